// Formatting shared by the system monitor pages.

/** 93784 → "1 天 2 小时" / "1 d 2 h" (the two largest units; seconds under a minute). */
export function formatUptime(seconds, t) {
  const n = Number(seconds)
  if (!Number.isFinite(n) || n < 0) return '—'
  const s = Math.floor(n)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const unit = (key, v) => t(`monitor.units.${key}`, { n: v })
  if (d) return `${unit('days', d)} ${unit('hours', h)}`
  if (h) return `${unit('hours', h)} ${unit('minutes', m)}`
  if (m) return unit('minutes', m)
  return unit('seconds', s)
}

/** 12.345 (already a percentage) → "12.3%"; "—" when unknown. */
export function formatPct(value, digits = 1) {
  const n = Number(value)
  if (value === null || value === undefined || !Number.isFinite(n)) return '—'
  return `${n.toFixed(digits)}%`
}

/** Milliseconds with up to two decimals: 0.0423 → "0.04 ms". */
export function formatMs(value) {
  const n = Number(value)
  if (!Number.isFinite(n)) return '—'
  if (n >= 1000) return `${Number((n / 1000).toFixed(2))} s`
  return `${Number(n.toFixed(n < 1 ? 3 : 2))} ms`
}

/** Seconds → "850 ms" / "3.2 s" / "2 min 5 s"; "—" for zero or unknown. */
export function formatSeconds(value) {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) return '—'
  if (n < 1) return `${Math.round(n * 1000)} ms`
  if (n < 60) return `${Number(n.toFixed(1))} s`
  const m = Math.floor(n / 60)
  return `${m} min ${Math.round(n - m * 60)} s`
}

/** The server refuses log ranges longer than a year (and inverted ones). */
export const MAX_RANGE_MS = 366 * 24 * 3600 * 1000

/** 'inverted' | 'tooLong' | '' for a [from, to] picker value. */
export function rangeProblem(range) {
  if (!range || !range[0] || !range[1]) return ''
  const from = new Date(range[0]).getTime()
  const to = new Date(range[1]).getTime()
  if (!Number.isFinite(from) || !Number.isFinite(to)) return ''
  if (to < from) return 'inverted'
  if (to - from > MAX_RANGE_MS) return 'tooLong'
  return ''
}
