import http, { download } from './http'
import { compactParams } from '@/utils/params'

// 数据服务: the SQL query console and its log. Fields are snake_case on the wire and in the console.
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
