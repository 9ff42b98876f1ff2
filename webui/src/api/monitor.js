import http, { download } from './http'
import { compactParams } from '@/utils/params'

/** The operation log of the signed-in user's reach (every user; non-admins see their own). */
export function listOperationLogs({ page = 1, pageSize = 20, user, method, status, path } = {}) {
  return http.get('/api/monitor/operation-logs', {
    params: compactParams({ page, page_size: pageSize, user, method, status, path }),
    withMeta: true,
  })
}

// System monitor (admins). from/to are RFC3339 strings.

export function fetchServerInfo(config = {}) {
  return http.get('/api/monitor/server', config)
}

export function listOnlineSessions(config = {}) {
  return http.get('/api/monitor/online', config)
}

export function forceLogout(sessionId, config = {}) {
  return http.delete(`/api/monitor/online/${encodeURIComponent(sessionId)}`, config)
}

function operLogParams({ user, module, method, status, path, ip, from, to } = {}) {
  return compactParams({ user, module, method, status, path, ip, from, to })
}

/**
 * One operation log entry with the field names of the older list (userName, durationMs, clientIp,
 * occurredAt), whichever spelling (camelCase or snake_case) the server used.
 */
export function normalizeOperation(r = {}) {
  const pick = (camel, snake) => (r[camel] !== undefined ? r[camel] : r[snake])
  return {
    id: r.id,
    userId: pick('userId', 'user_id'),
    userName: pick('userName', 'user_name'),
    method: r.method,
    path: r.path,
    status: r.status,
    durationMs: pick('durationMs', 'duration_ms'),
    clientIp: pick('clientIp', 'client_ip'),
    summary: r.summary,
    occurredAt: pick('occurredAt', 'occurred_at'),
  }
}

export async function listOperLog({ page = 1, pageSize = 20, ...filters } = {}) {
  const res = await http.get('/api/monitor/operlog', {
    params: { page, page_size: pageSize, ...operLogParams(filters) },
    withMeta: true,
  })
  return { items: res.items.map(normalizeOperation), meta: res.meta }
}

/** CSV of the matching entries (the newest 500). */
export function exportOperLog(filters = {}) {
  const q = new URLSearchParams({ ...operLogParams(filters), format: 'csv' })
  return download(`/api/monitor/operlog?${q}`, { method: 'GET', fallbackName: 'operlog.csv' })
}

function loginLogParams({ user, status, ip, from, to } = {}) {
  return compactParams({ user, status, ip, from, to })
}

/** status: 'success' | 'failure' | '' (both). */
export function listLoginLog({ page = 1, pageSize = 20, ...filters } = {}) {
  return http.get('/api/monitor/loginlog', {
    params: { page, page_size: pageSize, ...loginLogParams(filters) },
    withMeta: true,
  })
}

/** CSV of the matching entries (the newest 500). */
export function exportLoginLog(filters = {}) {
  const q = new URLSearchParams({ ...loginLogParams(filters), format: 'csv' })
  return download(`/api/monitor/loginlog?${q}`, { method: 'GET', fallbackName: 'loginlog.csv' })
}

/** Scheduled collections and profilings; the server answers null when there are none. */
export async function listJobs(config = {}) {
  const data = await http.get('/api/monitor/jobs', config)
  return Array.isArray(data) ? data : []
}

/** Runs a collection now (profiling jobs cannot be run from here). */
export function runJob(key) {
  return http.post(`/api/monitor/jobs/${encodeURIComponent(key)}/run`)
}

/** Pauses the schedule of the job's datasource (its collection and its profiling). */
export function pauseJob(key) {
  return http.post(`/api/monitor/jobs/${encodeURIComponent(key)}/pause`)
}

export function resumeJob(key) {
  return http.post(`/api/monitor/jobs/${encodeURIComponent(key)}/resume`)
}
