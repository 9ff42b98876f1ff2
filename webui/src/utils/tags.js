// Colours for tags, kept in one place so all pages agree.

const METHOD_TYPES = { GET: 'success', POST: 'primary', PUT: 'warning', PATCH: 'warning', DELETE: 'danger' }

export function methodTagType(method) {
  return METHOD_TYPES[String(method || '').toUpperCase()] || 'info'
}

export function statusClass(status) {
  const n = Number(status)
  if (!Number.isFinite(n) || n <= 0) return 'unknown'
  return `${Math.floor(n / 100)}xx`
}

export function statusTagType(status) {
  switch (statusClass(status)) {
    case '2xx':
      return 'success'
    case '3xx':
      return 'info'
    case '4xx':
      return 'warning'
    case '5xx':
      return 'danger'
    default:
      return 'info'
  }
}

/** Event types look like "<domain>.<what_happened>"; colour by what happened. */
export function eventTagType(type) {
  const t = String(type || '')
  if (/(deleted|removed|revoked|disabled|failed|denied)/.test(t)) return 'danger'
  if (/(created|registered|enabled|logged_in|added)/.test(t)) return 'success'
  if (/(updated|changed|reset|renamed|edited)/.test(t)) return 'warning'
  return 'primary'
}

const ROLE_TYPES = { admin: 'danger', developer: 'warning', analyst: 'success', viewer: 'info' }

export function roleTagType(role) {
  return ROLE_TYPES[role] || 'primary'
}

/** Preset colours offered for catalog tags (and used for tags without one, by name). */
export const CATALOG_TAG_COLORS = [
  '#1f6feb',
  '#0e9f6e',
  '#d97706',
  '#dc2626',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#4b5563',
]

function hexToRgb(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(String(hex || '').trim())
  if (!m) return null
  const n = parseInt(m[1], 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

const mix = (rgb, target, amount) => rgb.map((c, i) => Math.round(c + (target[i] - c) * amount))
const css = (rgb) => `rgb(${rgb.join(', ')})`

/** Inline style of a catalog tag in its colour: pale background, tinted border, readable text. */
export function catalogTagStyle(color) {
  const rgb = hexToRgb(color)
  if (!rgb) return {}
  // Perceived brightness decides how much the text is darkened (yellow needs more than blue).
  const luma = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255
  return {
    '--el-tag-bg-color': css(mix(rgb, [255, 255, 255], 0.88)),
    '--el-tag-border-color': css(mix(rgb, [255, 255, 255], 0.6)),
    '--el-tag-hover-color': css(rgb),
    '--el-tag-text-color': css(mix(rgb, [0, 0, 0], luma > 0.6 ? 0.55 : 0.15)),
  }
}

const RUN_TYPES = { running: 'primary', succeeded: 'success', failed: 'danger' }

/** Tag type of a collection run status. */
export function runStatusType(status) {
  return RUN_TYPES[status] || 'info'
}

const TABLE_TYPES = { active: 'success', dropped: 'warning', deleted: 'info' }

/** Tag type of a catalog table status. */
export function tableStatusType(status) {
  return TABLE_TYPES[status] || 'info'
}
