// The edit page's form state of a report API definition, and back.
//
// The form keeps every optional block (rate limit, pagination, cache, alarm …) as an object with an
// `enabled` switch, parameter defaults / examples / enum values as the text the user types, and
// JSON documents as text; `toDefinition` turns it into the definition the server takes (null for
// blocks that are off). Fields the page does not edit (param_binding, query_type, …) are kept.
import { parseTyped, prettyJsonText, typedText } from '@/utils/interface'

let uid = 0
export const nextId = () => ++uid

const num = (v, fallback = null) => (Number.isFinite(Number(v)) && v !== null && v !== '' ? Number(v) : fallback)

export function newParameter(patch = {}) {
  return {
    _id: nextId(),
    name: '',
    in: 'query',
    type: 'string',
    required: false,
    default: '',
    enum: [],
    format: '',
    description: '',
    example: '',
    max_length: null,
    min_length: null,
    maximum: null,
    minimum: null,
    pattern: '',
    input_type: '',
    ...patch,
  }
}

export function newField(patch = {}) {
  return { _id: nextId(), name: '', title: '', data_type: 'string', parent: '', display: true, export: true, ...patch }
}

/** A definition (or nothing, for a new interface) → form state. */
export function toForm(def = {}) {
  const d = def || {}
  return {
    _extra: { param_binding: d.param_binding ?? null, query_type: d.query_type || 'sql' },
    code: d.code || '',
    name: d.name || '',
    description: d.description || '',
    version: d.version || '1.0.0',
    tags: [...(d.tags || [])],
    owner: d.owner || '',
    visibility: d.visibility || 'internal',
    report_id: d.report_id || '',
    method: d.method || 'GET',
    auth_required: d.auth_required !== false,
    allowed_roles: [...(d.allowed_roles || [])],
    rate_limit: {
      enabled: !!d.rate_limit,
      rps: num(d.rate_limit?.rps, 10),
      burst: num(d.rate_limit?.burst, 20),
    },
    ip_whitelist: [...(d.ip_whitelist || [])],
    cors_origins: [...(d.cors?.allowed_origins || [])],
    parameters: (d.parameters || []).map((p) =>
      newParameter({
        name: p.name || '',
        in: p.in || 'query',
        type: p.type || 'string',
        required: !!p.required,
        default: typedText(p.default),
        enum: (p.enum || []).map(typedText),
        format: p.format || '',
        description: p.description || '',
        example: typedText(p.example),
        max_length: num(p.max_length),
        min_length: num(p.min_length),
        maximum: num(p.maximum),
        minimum: num(p.minimum),
        pattern: p.pattern || '',
        input_type: p.input_type || '',
      }),
    ),
    fields: (d.fields || []).map((f) =>
      newField({
        name: f.name || '',
        title: f.title || '',
        data_type: f.data_type || 'string',
        parent: f.parent || '',
        display: f.display !== false,
        export: f.export !== false,
      }),
    ),
    second_header: !!d.second_header,
    date_option: !!d.date_option,
    datasource_id: d.datasource_id || '',
    database: d.database || '',
    query_template: d.query_template || '',
    timeout_ms: num(d.timeout_ms, 20000),
    safe_mode: d.code ? !!d.safe_mode : true,
    max_rows: num(d.max_rows, 10000),
    pagination: {
      enabled: !!d.pagination?.enabled,
      default_page_size: num(d.pagination?.default_page_size, 50),
      max_page_size: num(d.pagination?.max_page_size, 1000),
    },
    total_enabled: !!d.total_enabled,
    total_sql: d.total_sql || '',
    response_schema: prettyJsonText(d.response_schema),
    example: prettyJsonText(d.example),
    transform: {
      rename: Object.entries(d.transform?.rename || {}).map(([from, to]) => ({ _id: nextId(), from, to })),
      exclude: [...(d.transform?.exclude || [])],
    },
    cache: { enabled: !!d.cache?.enabled, ttl_seconds: num(d.cache?.ttl_seconds, 60) },
    audit: d.code ? !!d.audit : true,
    metrics: { latency: d.metrics ? !!d.metrics.latency : true, errorRate: d.metrics ? !!d.metrics.errorRate : true },
    alarm: {
      enabled: !!d.alarm,
      types: [...(d.alarm?.types || [])],
      webhook_url: d.alarm?.webhook_url || '',
      error_rate: num(d.alarm?.error_rate, 0.05),
      latency_p95_ms: num(d.alarm?.latency_p95_ms, 2000),
      min_calls_per_min: num(d.alarm?.min_calls_per_min, 10),
    },
  }
}

/** A typed value, or (lenient) undefined instead of an error. */
function typed(text, type, lenient) {
  try {
    return parseTyped(text, type)
  } catch (err) {
    if (lenient) return undefined
    throw err
  }
}

/** JSON text → value; '' → undefined; bad JSON throws (or, lenient, undefined). */
function jsonOf(text, lenient) {
  const v = String(text || '').trim()
  if (!v) return undefined
  try {
    return JSON.parse(v)
  } catch (err) {
    if (lenient) return undefined
    throw err
  }
}

const trimList = (list) => (list || []).map((s) => String(s).trim()).filter(Boolean)
const omitEmpty = (obj) => Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null && v !== ''))

export function toParameter(p, lenient = false) {
  const scalar = p.type === 'array' ? 'string' : p.type
  const out = {
    name: p.name.trim(),
    in: p.in,
    type: p.type,
    required: !!p.required,
    default: typed(p.default, p.type, lenient),
    enum: (p.enum || []).map((e) => typed(String(e), scalar, lenient)).filter((e) => e !== undefined),
    format: p.format.trim(),
    description: p.description.trim(),
    example: typed(p.example, p.type, lenient),
    max_length: p.max_length ?? undefined,
    min_length: p.min_length ?? undefined,
    maximum: p.maximum ?? undefined,
    minimum: p.minimum ?? undefined,
    pattern: p.pattern.trim(),
    input_type: p.input_type,
  }
  if (!out.enum.length) delete out.enum
  return omitEmpty(out)
}

/**
 * Form state → definition. Throws on values that do not parse (the form's rules report them
 * first); with `lenient` such values are left out instead (for try-run previews).
 */
export function toDefinition(form, { lenient = false } = {}) {
  const rename = {}
  for (const r of form.transform.rename) if (r.from.trim() && r.to.trim()) rename[r.from.trim()] = r.to.trim()
  const exclude = trimList(form.transform.exclude)
  const origins = trimList(form.cors_origins)
  const def = {
    ...form._extra,
    code: form.code.trim(),
    name: form.name.trim(),
    description: form.description.trim(),
    version: form.version.trim(),
    tags: trimList(form.tags),
    owner: form.owner.trim(),
    visibility: form.visibility,
    report_id: form.report_id || '',
    method: form.method,
    auth_required: form.visibility !== 'public' ? true : !!form.auth_required,
    allowed_roles: trimList(form.allowed_roles),
    rate_limit: form.rate_limit.enabled ? { rps: Number(form.rate_limit.rps) || 0, burst: Number(form.rate_limit.burst) || 0 } : null,
    ip_whitelist: trimList(form.ip_whitelist),
    cors: origins.length ? { allowed_origins: origins } : null,
    parameters: form.parameters.filter((p) => !lenient || p.name.trim()).map((p) => toParameter(p, lenient)),
    fields: form.fields
      .filter((f) => f.name.trim())
      .map((f) =>
        omitEmpty({
          name: f.name.trim(),
          title: f.title.trim(),
          data_type: f.data_type,
          parent: f.parent.trim(),
          display: !!f.display,
          export: !!f.export,
        }),
      ),
    second_header: !!form.second_header,
    date_option: !!form.date_option,
    datasource_id: form.datasource_id || '',
    database: (form.database || '').trim(),
    query_template: form.query_template,
    timeout_ms: Number(form.timeout_ms) || 0,
    safe_mode: !!form.safe_mode,
    max_rows: Number(form.max_rows) || 0,
    pagination: form.pagination.enabled
      ? { enabled: true, default_page_size: Number(form.pagination.default_page_size) || 0, max_page_size: Number(form.pagination.max_page_size) || 0 }
      : null,
    total_enabled: !!form.total_enabled,
    total_sql: form.total_enabled ? form.total_sql : '',
    response_schema: jsonOf(form.response_schema, lenient),
    transform: Object.keys(rename).length || exclude.length ? { rename, exclude } : null,
    example: jsonOf(form.example, lenient),
    cache: form.cache.enabled ? { enabled: true, ttl_seconds: Number(form.cache.ttl_seconds) || 0 } : null,
    audit: !!form.audit,
    metrics: { latency: !!form.metrics.latency, errorRate: !!form.metrics.errorRate },
    alarm: form.alarm.enabled
      ? {
          types: [...form.alarm.types],
          webhook_url: form.alarm.webhook_url.trim(),
          error_rate: Number(form.alarm.error_rate) || 0,
          latency_p95_ms: Number(form.alarm.latency_p95_ms) || 0,
          min_calls_per_min: Number(form.alarm.min_calls_per_min) || 0,
        }
      : null,
  }
  if (def.response_schema === undefined) delete def.response_schema
  if (def.example === undefined) delete def.example
  return def
}

/**
 * Server detail fields → form props: "parameters[2].name" → "parameters.2.name",
 * "cors.allowed_origins" → "cors_origins".
 */
export function formFieldOf(field) {
  const f = String(field || '').replace(/\[(\d+)\]/g, '.$1')
  if (f.startsWith('cors')) return 'cors_origins'
  if (f.startsWith('transform.rename')) return 'transform.rename'
  if (f.startsWith('transform.exclude')) return 'transform.exclude'
  if (f === 'query_type') return 'query_template'
  return f
}
