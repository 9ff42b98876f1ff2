import http from './http'
import { compactParams } from '@/utils/params'

// Data quality: rules on catalog tables, their checks (results) and per-table scores.

const base = '/api/quality'
const rule = (id) => `${base}/rules/${encodeURIComponent(id)}`

export const RULE_TYPES = [
  'row_count',
  'null_rate',
  'unique',
  'range',
  'allowed_values',
  'regex',
  'freshness',
  'referential',
  'schema',
  'custom_sql',
  'reconciliation',
]
// Types that check one column.
export const COLUMN_TYPES = ['null_rate', 'unique', 'range', 'allowed_values', 'regex', 'freshness', 'referential']
// Types whose metric counts offending rows: the threshold defaults to { max: 0 }.
export const VIOLATION_TYPES = ['unique', 'range', 'allowed_values', 'regex', 'referential', 'schema', 'reconciliation']
export const ALERT_TYPES = ['email', 'sms', 'dingtalk', 'wecom', 'feishu', 'phone']

/** Rules with their latest check. Filters: keyword, table_id, type, severity, status (passed|failed|errored|unchecked). */
export function listRules({ page = 1, pageSize = 20, keyword, table_id, type, severity, status } = {}, config = {}) {
  return http.get(`${base}/rules`, {
    params: compactParams({ page, page_size: pageSize, keyword, table_id, type, severity, status }),
    withMeta: true,
    ...config,
  })
}

export function getRule(id, config = {}) {
  return http.get(rule(id), config)
}

/** { name, table_id, column?, type, params, threshold: {min?, max?}, severity, schedule?, enabled?, alert?, description? } */
export function createRule(body) {
  return http.post(`${base}/rules`, body, { silent: true })
}

export function updateRule(id, body) {
  return http.put(rule(id), body, { silent: true })
}

export function deleteRule(id) {
  return http.delete(rule(id))
}

/** Checks now: { status: passed|failed|errored, metric, threshold, rows, duration_ms, samples, error, incident }. */
export function runRule(id, config = {}) {
  return http.post(`${rule(id)}/run`, null, { timeout: 0, ...config })
}

export function listRuleResults(id, { page = 1, pageSize = 20, status } = {}, config = {}) {
  return http.get(`${rule(id)}/results`, { params: compactParams({ page, page_size: pageSize, status }), withMeta: true, ...config })
}

/** Downstream tables and report APIs of the rule's table (lineage). */
export function getRuleImpact(id, config = {}) {
  return http.get(`${rule(id)}/impact`, config)
}

/** { score (0-100 or null), rules, passed, failed, errored, unchecked } */
export function getTableScore(tableId, config = {}) {
  return http.get(`${base}/tables/${encodeURIComponent(tableId)}/score`, config)
}

export function getQualitySummary(config = {}) {
  return http.get(`${base}/summary`, config)
}

/** { cron, next: [5 RFC 3339 times] }; 400 for an invalid expression. */
export function previewSchedule(cron, config = {}) {
  return http.get(`${base}/schedule-preview`, { params: { cron }, silent: true, ...config })
}

/** Every check, newest first. Filters: rule_id, table_id, status, from, to (RFC 3339). */
export function listResults({ page = 1, pageSize = 20, rule_id, table_id, status, from, to } = {}, config = {}) {
  return http.get(`${base}/results`, {
    params: compactParams({ page, page_size: pageSize, rule_id, table_id, status, from, to }),
    withMeta: true,
    ...config,
  })
}
