import http from './http'

// Data lineage: the recorded graph between tables and columns, SQL analysis and ETL job records.
// Node names are dotted: "<datasource>.<schema or database>.<table>[.<column>]", or as the SQL
// qualified the table (e.g. "dw.fact") when recorded without a datasource.

const base = '/api/lineage'

export const LINEAGE_DIALECTS = ['postgres', 'ansi', 'trino', 'mysql', 'starrocks', 'hive', 'sparksql']

/**
 * The lineage around a node: { node, level, nodes: [{ id, table, column?, depth }],
 * edges: [{ from, to, kind: "direct"|"indirect", origins }], truncated }.
 * direction up|down|both, depth 1..10, level table|column.
 */
export function getLineageGraph({ node, direction = 'both', depth = 3, level = 'table' } = {}, config = {}) {
  return http.get(`${base}/graph`, { params: { node, direction, depth, level }, ...config })
}

/** Analyses SQL without recording it: { sources, targets, intermediates, column_lineage, indirect, errors }. */
export function parseLineage({ dialect, default_schema, sql } = {}, config = {}) {
  const body = { dialect, sql }
  if (default_schema) body.default_schema = default_schema
  return http.post(`${base}/parse`, body, config)
}

/** Records the lineage of a job's SQL: { origin, lineage, edges, found, retired, unchanged }. */
export function recordEtlLog({ job_name, dialect, datasource_id, default_schema, sql } = {}, config = {}) {
  const body = { job_name, dialect, sql }
  if (datasource_id) body.datasource_id = datasource_id
  if (default_schema) body.default_schema = default_schema
  return http.post(`${base}/etl-logs`, body, config)
}
