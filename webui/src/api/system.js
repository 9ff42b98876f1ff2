import http from './http'
import { compactParams } from '@/utils/params'

// Users

export function listUsers({ page = 1, pageSize = 20, keyword, status } = {}) {
  return http.get('/api/system/users', {
    params: compactParams({ page, page_size: pageSize, keyword, status }),
    withMeta: true,
  })
}

export function createUser({ username, password, roles, displayName, email }) {
  return http.post('/api/system/users', { username, password, roles, displayName, email })
}

export function updateUser(id, { displayName, email, roles }) {
  return http.put(`/api/system/users/${encodeURIComponent(id)}`, { displayName, email, roles })
}

export function disableUser(id) {
  return http.post(`/api/system/users/${encodeURIComponent(id)}/disable`)
}

export function enableUser(id) {
  return http.post(`/api/system/users/${encodeURIComponent(id)}/enable`)
}

export function resetUserPassword(id, password) {
  return http.post(`/api/system/users/${encodeURIComponent(id)}/reset-password`, { password })
}

// Roles

export function listRoles() {
  return http.get('/api/system/roles')
}

// API keys

export function listApiKeys({ page = 1, pageSize = 20 } = {}) {
  return http.get('/api/system/api-keys', {
    params: compactParams({ page, page_size: pageSize }),
    withMeta: true,
  })
}

/** expiresInDays: positive integer, or 0/undefined for a key that never expires. */
export function createApiKey({ name, expiresInDays }) {
  const body = { name }
  if (expiresInDays) body.expiresInDays = expiresInDays
  return http.post('/api/system/api-keys', body)
}

export function revokeApiKey(id) {
  return http.delete(`/api/system/api-keys/${encodeURIComponent(id)}`)
}

/** Whether the demo workspace is present: { present, datasources }. */
export function fetchDemoStatus() {
  return http.get('/api/system/demo')
}

/** Removes the demo workspace (admins); it does not come back on restart. */
export function removeDemo() {
  return http.post('/api/system/demo/remove')
}
