// Report API (报表接口) helpers shared by the list, edit and detail pages: the vocabularies of a
// definition, the :named parameters of a query, typed parameter values, display formats of the
// output fields, column order of try-run rows and the curl example.

export const STATUSES = ['draft', 'active', 'deprecated', 'disabled']
export const VISIBILITIES = ['internal', 'partner', 'public']
export const METHODS = ['GET', 'POST']
export const PARAM_INS = ['query', 'path', 'header', 'body']
export const PARAM_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'array', 'object']
export const INPUT_TYPES = ['text', 'date', 'month', 'single', 'multiple']
export const FIELD_TYPES = [
  'string',
  'integer',
  'decimal',
  'percent',
  'plain_integer',
  'plain_decimal',
  'plain_percent',
  'percent_1',
  'decimal_1',
  'year',
]
export const ALARM_TYPES = ['email', 'sms', 'dingtalk', 'wecom', 'feishu', 'phone']
// Parameters the server fills itself (paging, version): a query may use them undeclared.
export const RESERVED_PARAMS = ['page', 'pageSize', 'version']

// The server's rules.
export const CODE_RE = /^[a-z][a-z0-9_]{1,63}$/
export const VERSION_RE = /^\d+\.\d+\.\d+$/
export const PARAM_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

const STATUS_TAGS = { draft: 'info', active: 'success', deprecated: 'warning', disabled: 'danger' }

/** Element Plus tag type of a lifecycle status. */
export function interfaceStatusType(status) {
  return STATUS_TAGS[status] || 'info'
}

/**
 * Lifecycle moves a version allows (the server's rules): publish from draft, deprecated and
 * disabled; deprecate from active; disable from draft, active and deprecated; delete drafts and
 * disabled versions.
 */
export function lifecycleActions(status) {
  return {
    publish: ['draft', 'deprecated', 'disabled'].includes(status),
    deprecate: status === 'active',
    disable: ['draft', 'active', 'deprecated'].includes(status),
    delete: ['draft', 'disabled'].includes(status),
  }
}

/** "1.2.3" → "1.3.0" (what the server suggests and copies to by default). */
export function nextMinorVersion(version) {
  const m = /^(\d+)\.(\d+)\.\d+$/.exec(String(version || ''))
  return m ? `${m[1]}.${Number(m[2]) + 1}.0` : '1.1.0'
}

const isIdentStart = (ch) => /[A-Za-z_]/.test(ch)
const isIdent = (ch) => /[A-Za-z0-9_]/.test(ch)

/**
 * The :name placeholders of a SQL text in order of first use, skipping string literals, quoted
 * identifiers, comments and PostgreSQL's :: casts (the server's scanner, in JavaScript).
 */
export function namedParams(sql) {
  const text = String(sql || '')
  const out = []
  let i = 0
  while (i < text.length) {
    const ch = text[i]
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1
      while (j < text.length) {
        if (text[j] === ch) {
          if (text[j + 1] === ch) {
            j += 2
            continue
          }
          break
        }
        if (text[j] === '\\' && ch === "'") j++
        j++
      }
      i = j + 1
    } else if (ch === '-' && text[i + 1] === '-') {
      const j = text.indexOf('\n', i)
      i = j < 0 ? text.length : j
    } else if (ch === '/' && text[i + 1] === '*') {
      const j = text.indexOf('*/', i + 2)
      i = j < 0 ? text.length : j + 2
    } else if (ch === ':' && text[i + 1] === ':') {
      i += 2
    } else if (ch === ':' && i + 1 < text.length && isIdentStart(text[i + 1]) && (i === 0 || !isIdent(text[i - 1]))) {
      let j = i + 1
      while (j < text.length && isIdent(text[j])) j++
      const name = text.slice(i + 1, j)
      if (!out.includes(name)) out.push(name)
      i = j
    } else {
      i++
    }
  }
  return out
}

/**
 * A text (as typed in the console) → the parameter's type: numbers for integer/number, booleans,
 * dates (yyyy-MM-dd) and date-times as text, lists (JSON or comma separated) for array, objects
 * from JSON. Throws on a value of the wrong type; '' gives undefined.
 */
export function parseTyped(text, type) {
  if (text === undefined || text === null) return undefined
  if (typeof text !== 'string') return text
  const v = text.trim()
  if (v === '') return undefined
  switch (type) {
    case 'integer':
      if (!/^[-+]?\d+$/.test(v)) throw new Error('integer')
      return Number(v)
    case 'number':
      if (!Number.isFinite(Number(v))) throw new Error('number')
      return Number(v)
    case 'boolean':
      if (v !== 'true' && v !== 'false') throw new Error('boolean')
      return v === 'true'
    case 'date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) throw new Error('date')
      return v
    case 'datetime':
      if (Number.isNaN(Date.parse(v.replace(' ', 'T')))) throw new Error('datetime')
      return v
    case 'array':
      if (v.startsWith('[')) {
        const list = JSON.parse(v)
        if (!Array.isArray(list)) throw new Error('array')
        return list
      }
      return v.split(',').map((s) => s.trim())
    case 'object': {
      const obj = JSON.parse(v)
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('object')
      return obj
    }
    default:
      return text
  }
}

/** A typed value → the text the console edits (inverse of parseTyped). */
export function typedText(value) {
  if (value === undefined || value === null) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const decFormat = (digits) => new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const dec2 = decFormat(2)
const dec1 = decFormat(1)

/**
 * A cell in the display format of a field's data_type: integer 1,234 · decimal 1,234.50 ·
 * percent 12.34% (from 0.1234) · plain_* without separators · plain_percent 12.34% (already a
 * percentage) · percent_1 12.3% · decimal_1 1,234.5 · year and string as they are.
 */
export function formatFieldValue(value, dataType) {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  const n = Number(value)
  const numeric = value !== '' && typeof value !== 'boolean' && Number.isFinite(n)
  if (!numeric) return String(value)
  switch (dataType) {
    case 'integer':
      return intFormat.format(Math.round(n))
    case 'decimal':
      return dec2.format(n)
    case 'decimal_1':
      return dec1.format(n)
    case 'percent':
      return `${(n * 100).toFixed(2)}%`
    case 'percent_1':
      return `${(n * 100).toFixed(1)}%`
    case 'plain_integer':
      return String(Math.round(n))
    case 'plain_decimal':
      return n.toFixed(2)
    case 'plain_percent':
      return `${n.toFixed(2)}%`
    default:
      return String(value)
  }
}

const NUMERIC_TYPES = ['integer', 'decimal', 'percent', 'plain_integer', 'plain_decimal', 'plain_percent', 'percent_1', 'decimal_1']

/** True when a field's data_type is shown right-aligned. */
export function isNumericField(dataType) {
  return NUMERIC_TYPES.includes(dataType)
}

/** A guess of a field's data_type from sample values: integer, decimal or string. */
export function guessFieldType(values) {
  const present = values.filter((v) => v !== null && v !== undefined && v !== '')
  if (!present.length) return 'string'
  if (present.every((v) => (typeof v === 'number' || /^-?\d+$/.test(String(v))) && Number.isInteger(Number(v)))) return 'integer'
  if (present.every((v) => typeof v === 'number' || /^-?\d+(\.\d+)?$/.test(String(v)))) return 'decimal'
  return 'string'
}

/**
 * The column names of try-run rows in a sensible order. Rows come as JSON objects whose keys the
 * server sorts; without declared fields the columns follow where their (original) names first
 * appear in the query, the rest by name.
 */
export function orderedColumns(rows, { sql = '', rename = {} } = {}) {
  const keys = []
  for (const row of rows || []) for (const k of Object.keys(row || {})) if (!keys.includes(k)) keys.push(k)
  const original = Object.fromEntries(Object.entries(rename || {}).map(([from, to]) => [to, from]))
  const text = String(sql || '').toLowerCase()
  const position = (key) => {
    const name = String(original[key] || key).toLowerCase()
    const re = new RegExp(`(^|[^a-z0-9_])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^a-z0-9_]|$)`)
    const m = re.exec(text)
    return m ? m.index : Number.MAX_SAFE_INTEGER
  }
  return keys
    .map((k) => ({ k, p: position(k) }))
    .sort((a, b) => a.p - b.p || a.k.localeCompare(b.k))
    .map((x) => x.k)
}

/** Shell-quotes a string for a curl example. */
function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`
}

/**
 * A copyable curl call of an interface: its query parameters with their examples or defaults,
 * body parameters as JSON for POST, header parameters as -H, the API key header.
 */
export function curlExample({ origin, code, method = 'GET', parameters = [], version = '', keyPlaceholder = '<API_KEY>' }) {
  const sample = (p) => {
    const v = p.example !== undefined && p.example !== null && p.example !== '' ? p.example : p.default
    if (v !== undefined && v !== null && v !== '') return v
    if (!p.required) return undefined
    switch (p.type) {
      case 'integer':
      case 'number':
        return 1
      case 'boolean':
        return true
      case 'date':
        return new Date().toISOString().slice(0, 10)
      default:
        return '…'
    }
  }
  const query = new URLSearchParams()
  const body = {}
  const headers = [`X-API-Key: ${keyPlaceholder}`]
  const path = `/data-api/${code}`
  for (const p of parameters || []) {
    const v = sample(p)
    if (v === undefined) continue
    const text = Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)
    if (p.in === 'header') headers.push(`${p.name}: ${text}`)
    else if (p.in === 'body' || (method === 'POST' && p.in !== 'path')) body[p.name] = v
    else if (p.in !== 'path') query.set(p.name, text)
  }
  if (version) query.set('version', version)
  const qs = query.toString()
  const url = `${origin}${path}${qs ? `?${qs}` : ''}`
  const lines = [`curl${method === 'POST' ? ' -X POST' : ''} ${shellQuote(url)}`]
  for (const h of headers) lines.push(`  -H ${shellQuote(h)}`)
  if (method === 'POST') {
    lines.push(`  -H ${shellQuote('Content-Type: application/json')}`)
    lines.push(`  -d ${shellQuote(JSON.stringify(body))}`)
  }
  return lines.join(' \\\n')
}

/** A JSON value as indented text for an editor; '' for nothing. */
export function prettyJsonText(value) {
  if (value === undefined || value === null || value === '') return ''
  try {
    return JSON.stringify(typeof value === 'string' ? JSON.parse(value) : value, null, 2)
  } catch {
    return String(value)
  }
}
