import http from './http'
import { compactParams } from '@/utils/params'

// Data permissions: grants, column masks, row filters, access requests and the explain tool.
// Objects are paths "<datasource_id>[.<db>[.<table>[.<column>]]]" (db is the schema on PostgreSQL,
// the database on MySQL/MariaDB). Fields are snake_case on the wire and in the console.

const base = '/api/access'
const one = (kind, id) => `${base}/${kind}/${encodeURIComponent(id)}`

// Grants

/** Filters: datasource_id, subject_type, subject (username or role), object (prefix), privilege, effect. */
export function listGrants({ page = 1, pageSize = 20, ...f } = {}, config = {}) {
  return http.get(`${base}/grants`, {
    params: compactParams({
      page,
      page_size: pageSize,
      datasource_id: f.datasource_id,
      subject_type: f.subject_type,
      subject: f.subject,
      object: f.object,
      privilege: f.privilege,
      effect: f.effect,
    }),
    withMeta: true,
    ...config,
  })
}

/** { subject_type, subject, object, privilege, effect, expires_at? } → { id }. The caller shows errors. */
export function createGrant(body, config = {}) {
  return http.post(`${base}/grants`, body, { silent: true, ...config })
}

export function revokeGrant(id) {
  return http.delete(one('grants', id))
}

// Masks

export function listMasks({ datasource_id } = {}, config = {}) {
  return http.get(`${base}/masks`, { params: compactParams({ datasource_id }), ...config })
}

/** { object: column path, mask, keep_last? } → { id }. The caller shows errors. */
export function setMask(body) {
  return http.post(`${base}/masks`, body, { silent: true })
}

export function removeMask(id) {
  return http.delete(one('masks', id))
}

// Row filters

export function listRowFilters({ datasource_id } = {}, config = {}) {
  return http.get(`${base}/row-filters`, { params: compactParams({ datasource_id }), ...config })
}

/** { object: table path, subject_type, subject, predicate } → { id }. The caller shows errors. */
export function setRowFilter(body) {
  return http.post(`${base}/row-filters`, body, { silent: true })
}

export function removeRowFilter(id) {
  return http.delete(one('row-filters', id))
}

// Requests

/** Filters: status (pending|approved|rejected), mine (true = only the caller's). */
export function listRequests({ page = 1, pageSize = 20, status, mine } = {}, config = {}) {
  return http.get(`${base}/requests`, {
    params: compactParams({ page, page_size: pageSize, status, mine: mine ? 'true' : undefined }),
    withMeta: true,
    ...config,
  })
}

/** { object, privilege, reason, expires_at? } → { id }. The caller shows errors. */
export function createRequest(body) {
  return http.post(`${base}/requests`, body, { silent: true })
}

/** { reason?, expires_at? } → { grant_id }. The caller shows errors. */
export function approveRequest(id, body = {}) {
  return http.post(`${one('requests', id)}/approve`, body, { silent: true })
}

/** { reason } */
export function rejectRequest(id, body) {
  return http.post(`${one('requests', id)}/reject`, body, { silent: true })
}

// Explain

/** { user, object, privilege } → { allowed, unrestricted, reason, grant, mask, row_filters }. */
export function explainAccess({ user, object, privilege }, config = {}) {
  return http.get(`${base}/explain`, { params: compactParams({ user, object, privilege }), silent: true, ...config })
}

/** { user_id, roles, grants } */
export function myAccess(config = {}) {
  return http.get(`${base}/me`, config)
}
