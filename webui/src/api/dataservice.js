import http, { download } from './http'
import { compactParams } from '@/utils/params'

// 数据服务: the SQL query console and its log, report APIs (报表接口) and their call log. Fields are
// snake_case on the wire and in the console.
// Query calls are silent: the console shows their errors next to the editor.

const base = '/api/dataservice'

/**
 * Runs SQL on a datasource.
 * body: { datasource_id, database?, sql, params?, page?, page_size?, query_id? }
 * → { query_id, columns: [{ name, type }], rows: [[…]], rendered_sql, elapsed_ms, has_next, page, page_size, truncated }
 * config: axios options, e.g. { signal, timeout }.
 */
export function runQuery(body, config = {}) {
  return http.post(`${base}/query`, body, { silent: true, timeout: 0, ...config })
}

/** Cancels a running query by the query_id the client gave it → { cancelled }. */
export function cancelQuery(queryId, config = {}) {
  return http.post(`${base}/query/cancel`, { query_id: queryId }, { silent: true, ...config })
}

/** Exports the whole result (up to the datasource's row cap) as CSV and saves it; same body as runQuery. */
export function exportQuery(body, { signal } = {}) {
  return download(`${base}/query/export`, { body, fallbackName: 'query.csv', silent: true, signal })
}

/**
 * Names for autocompletion: { databases: [..] | null, tables: [{ name, schema, database, comment,
 * columns: [{ name, type, comment }] }] }.
 */
export function getCompletions({ datasource_id, database } = {}, config = {}) {
  return http.get(`${base}/completions`, {
    params: compactParams({ datasource_id, database }),
    timeout: 60000,
    silent: true,
    ...config,
  })
}

/**
 * The query log, newest first. Filters: user (admins only), datasource_id, status
 * (succeeded|failed|cancelled), from/to (RFC 3339), q (text in the SQL).
 */
export function listQueryLog({ page = 1, pageSize = 20, user, datasource_id, status, from, to, q } = {}, config = {}) {
  return http.get(`${base}/query-log`, {
    params: compactParams({ page, page_size: pageSize, user, datasource_id, status, from, to, q }),
    withMeta: true,
    ...config,
  })
}

// ---- 报表接口 (report APIs) ------------------------------------------------------------------
// One row per (code, version): { code, version, status, name, description, report_id, report_name,
// datasource_id, method, visibility, path, definition, created_by, updated_by, created_at, updated_at }.

const iface = (code) => `${base}/interfaces/${encodeURIComponent(code)}`
const versionParams = (version) => compactParams({ version })

/** Reports (报表) that group interfaces: [{ id, name, description, owner, interface_count, … }]. */
export function listReports(config = {}) {
  return http.get(`${base}/reports`, config)
}

/** body: { name, description, owner } → { id } */
export function createReport(body) {
  return http.post(`${base}/reports`, body, { silent: true })
}

export function updateReport(id, body) {
  return http.put(`${base}/reports/${encodeURIComponent(id)}`, body, { silent: true })
}

/** 409 CONFLICT while the report still holds interfaces (silent: the caller explains). */
export function deleteReport(id) {
  return http.delete(`${base}/reports/${encodeURIComponent(id)}`, { silent: true })
}

/** Every version is its own row. Filters: keyword, status, report_id, datasource_id. */
export function listInterfaces({ page = 1, pageSize = 20, keyword, status, report_id, datasource_id } = {}, config = {}) {
  return http.get(`${base}/interfaces`, {
    params: compactParams({ page, page_size: pageSize, keyword, status, report_id, datasource_id }),
    withMeta: true,
    ...config,
  })
}

/** One version; without a version the one callers reach (the highest active, else the highest). */
export function getInterface(code, version, config = {}) {
  return http.get(iface(code), { params: versionParams(version), ...config })
}

/** Every version of a code, highest first. */
export function listInterfaceVersions(code, config = {}) {
  return http.get(`${iface(code)}/versions`, config)
}

/** A definition → the new draft version (409 when the code and version exist). Silent: forms show errors. */
export function createInterface(definition) {
  return http.post(`${base}/interfaces`, definition, { silent: true })
}

/** Replaces a version's definition (code and version never change). Silent: forms show errors. */
export function updateInterface(code, version, definition) {
  return http.put(iface(code), definition, { params: versionParams(version), silent: true })
}

/** Deletes a draft or disabled version. */
export function deleteInterface(code, version) {
  return http.delete(iface(code), { params: versionParams(version) })
}

/** Lifecycle: action is publish | deprecate | disable → the version row. */
export function changeInterfaceStatus(code, version, action) {
  return http.post(`${iface(code)}/${action}`, null, { params: versionParams(version) })
}

/** A new draft from a version: body { code?, version? } (default: the next minor version). */
export function copyInterface(code, version, body = {}) {
  return http.post(`${iface(code)}/copy`, body, { params: versionParams(version) })
}

/**
 * Try-runs a stored version: body { params, version?, page?, page_size? }
 * → { data: [{…}], meta: { page, pageSize, total, hasNext, totals? } | null, elapsed_ms, statement, args }.
 */
export function testInterface(code, body, config = {}) {
  return http.post(`${iface(code)}/test`, body, { silent: true, timeout: 0, ...config })
}

/** Try-runs an unsaved definition: body { definition, params, page?, page_size? }; same answer. */
export function testDefinition(body, config = {}) {
  return http.post(`${base}/interfaces/test`, body, { silent: true, timeout: 0, ...config })
}

/** Saves every definition as JSON, or (format 'xlsx') as an Excel workbook. */
export function exportInterfaces({ format, report_id } = {}) {
  const query = new URLSearchParams(compactParams({ format, report_id })).toString()
  return download(`${base}/interfaces/export${query ? `?${query}` : ''}`, {
    method: 'GET',
    fallbackName: format === 'xlsx' ? 'interfaces.xlsx' : 'interfaces.json',
  })
}

/** Creates every definition of a JSON array → [{ code, version, created, error }]. */
export function importInterfaces(definitions) {
  return http.post(`${base}/interfaces/import`, definitions, { timeout: 120000 })
}

/**
 * The gateway's call log, newest first. Filters: code, caller, status (success|error), from/to
 * (RFC 3339).
 */
export function listCalls({ page = 1, pageSize = 20, code, caller, status, from, to } = {}, config = {}) {
  return http.get(`${base}/calls`, {
    params: compactParams({ page, page_size: pageSize, code, caller, status, from, to }),
    withMeta: true,
    ...config,
  })
}

/**
 * Traffic per step: [{ at, calls, errors, qps, error_rate, p95_ms, cache_hits, avg_ms }] (steps
 * without calls are left out). code '_all' covers every interface.
 */
export function getInterfaceMetrics(code, { from, to, step_seconds } = {}, config = {}) {
  return http.get(`${iface(code)}/metrics`, { params: compactParams({ from, to, step_seconds }), ...config })
}
