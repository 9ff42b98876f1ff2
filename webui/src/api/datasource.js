import http from './http'
import { compactParams } from '@/utils/params'

// Datasources. The fields of this module are snake_case on the wire and in the console.

const base = '/api/datasources'
const one = (id) => `${base}/${encodeURIComponent(id)}`

/** Supported types with their form hints (default port, database label, TLS modes, …). */
export function listDatasourceTypes(config) {
  return http.get(`${base}/types`, config)
}

export function listDatasources({ page = 1, pageSize = 20, keyword, type } = {}) {
  return http.get(base, {
    params: compactParams({ page, page_size: pageSize, keyword, type }),
    withMeta: true,
  })
}

export function getDatasource(id, config = {}) {
  return http.get(one(id), config)
}

/** body: { name, type, host, port, database, username, password, params, tls_mode, description } */
export function createDatasource(body) {
  return http.post(base, body)
}

/** Same body as create; an empty or missing password keeps the stored one. */
export function updateDatasource(id, body) {
  return http.put(one(id), body)
}

/**
 * Deletes a datasource. Without cascade the server answers 409 CONFLICT with
 * details [{ field: "usage", message }] when other assets use it; the caller
 * handles that (the request is silent).
 */
export function deleteDatasource(id, { cascade = false } = {}) {
  return http.delete(one(id), { params: cascade ? { cascade: true } : undefined, silent: true })
}

/** Tests a stored datasource: { ok, version, latency_ms, error, error_kind }. */
export function testDatasource(id) {
  return http.post(`${one(id)}/test`, null, { timeout: 60000 })
}

/** Tests unsaved settings (create body, plus `id` when editing to reuse the stored password). */
export function testDatasourceSettings(body) {
  return http.post(`${base}/test`, body, { timeout: 60000 })
}

/** Database names, or null when the type has no database picker. */
export function listDatasourceDatabases(id, config = {}) {
  return http.get(`${one(id)}/databases`, { timeout: 60000, ...config })
}

/** Tables and views: [{ name, database, schema, comment, type, created_at, updated_at, rows, size_bytes }]. */
export function listDatasourceTables(id, { database } = {}, config = {}) {
  return http.get(`${one(id)}/tables`, { params: compactParams({ database }), timeout: 60000, ...config })
}

/** Columns of a table; for PostgreSQL `database` is the table's schema. */
export function getTableSchema(id, table, { database } = {}, config = {}) {
  return http.get(`${one(id)}/tables/${encodeURIComponent(table)}/schema`, {
    params: compactParams({ database }),
    timeout: 60000,
    ...config,
  })
}
