const pad = (n, w = 2) => String(n).padStart(w, '0')

function toDate(value) {
  if (!value) return null
  const d = value instanceof Date ? value : new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

/** RFC3339 → "YYYY-MM-DD HH:mm:ss" in the browser's time zone; fallback for empty values. */
export function formatDateTime(value, fallback = '—') {
  const d = toDate(value)
  if (!d) return fallback
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** Date → RFC3339 in UTC without fractional seconds (what the API expects for from/to). */
export function toRFC3339(value) {
  const d = toDate(value)
  if (!d) return undefined
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Short relative time such as "3 分钟前" / "3 minutes ago". */
export function formatRelative(value, locale = 'zh-CN') {
  const d = toDate(value)
  if (!d) return ''
  const diff = (d.getTime() - Date.now()) / 1000
  const abs = Math.abs(diff)
  const rtf = new Intl.RelativeTimeFormat(locale === 'en' ? 'en' : 'zh-CN', { numeric: 'auto' })
  const steps = [
    [60, 'second', 1],
    [3600, 'minute', 60],
    [86400, 'hour', 3600],
    [86400 * 30, 'day', 86400],
    [86400 * 365, 'month', 86400 * 30],
    [Infinity, 'year', 86400 * 365],
  ]
  for (const [limit, unit, size] of steps) {
    if (abs < limit) return rtf.format(Math.round(diff / size), unit)
  }
  return ''
}

/** 12345 → "12,345". */
export function formatNumber(value) {
  const n = Number(value)
  if (!Number.isFinite(n)) return '0'
  return n.toLocaleString('en-US')
}

/** 1536 → "1.5 KB"; empty for null/undefined/non-numbers. */
export function formatBytes(value) {
  if (value === null || value === undefined || value === '') return ''
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) return ''
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2
  return `${Number(v.toFixed(digits))} ${units[i]}`
}

/** Pretty JSON for display; strings that hold JSON are parsed first. */
export function prettyJson(value) {
  if (value === undefined) return ''
  let v = value
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v)
    } catch {
      return v
    }
  }
  try {
    return JSON.stringify(v, null, 2)
  } catch {
    return String(value)
  }
}

/** Copies text to the clipboard; works on plain-HTTP origins too. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text)
      return true
    } catch {
      // fall through to the legacy path
    }
  }
  const ta = document.createElement('textarea')
  ta.value = text
  ta.setAttribute('readonly', '')
  ta.style.position = 'fixed'
  ta.style.top = '-1000px'
  document.body.appendChild(ta)
  ta.select()
  let ok = false
  try {
    ok = document.execCommand('copy')
  } catch {
    ok = false
  }
  document.body.removeChild(ta)
  return ok
}

/** True for anything but null, undefined and ''. */
export function hasValue(value) {
  return value !== null && value !== undefined && value !== ''
}

/** 0.1234 → "12.3%". */
export function formatPercent(value, digits = 1) {
  const n = Number(value)
  if (!Number.isFinite(n)) return '—'
  return `${Number((n * 100).toFixed(digits))}%`
}

/** Milliseconds → "850 ms" / "3.2 s" / "2 min 5 s". */
export function formatDuration(ms) {
  const n = Number(ms)
  if (!Number.isFinite(n) || n < 0) return '—'
  if (n < 1000) return `${Math.round(n)} ms`
  const s = n / 1000
  if (s < 60) return `${Number(s.toFixed(1))} s`
  const m = Math.floor(s / 60)
  return `${m} min ${Math.round(s - m * 60)} s`
}
