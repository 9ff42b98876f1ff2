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
