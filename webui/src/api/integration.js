import http from './http'
import { compactParams } from '@/utils/params'

// Data integration: sync tasks and their runs. snake_case on the wire and in the console.

const tasks = '/api/integration/tasks'
const task = (id) => `${tasks}/${encodeURIComponent(id)}`

export function listSyncTasks({ page = 1, pageSize = 20, keyword, scope, status } = {}) {
  return http.get(tasks, { params: compactParams({ page, page_size: pageSize, keyword, scope, status }), withMeta: true })
}

export function getSyncTask(id, config = {}) {
  return http.get(task(id), config)
}

/**
 * body: { name, scope, source_datasource_id, source_databases, tables | table_pattern, database_pattern,
 * target_datasource_id, target_database, target_table, table_prefix, mode, incremental_column,
 * write_mode, schedule, chunk_rows }. Validation problems come back as 400 with per-field details;
 * the request is silent so the form can show them next to the fields.
 */
export function createSyncTask(body) {
  return http.post(tasks, body, { silent: true })
}

export function updateSyncTask(id, body) {
  return http.put(task(id), body, { silent: true })
}

export function deleteSyncTask(id) {
  return http.delete(task(id))
}

export function pauseSyncTask(id) {
  return http.post(`${task(id)}/pause`)
}

export function resumeSyncTask(id) {
  return http.post(`${task(id)}/resume`)
}

/** Starts a run in the background: { run_id, task_id }. */
export function runSyncTask(id) {
  return http.post(`${task(id)}/run`)
}

export function listSyncRuns({ page = 1, pageSize = 20, taskId, status } = {}) {
  return http.get('/api/integration/runs', {
    params: compactParams({ page, page_size: pageSize, task_id: taskId, status }),
    withMeta: true,
  })
}

/** A run with its progress and tables. */
export function getSyncRun(id, config = {}) {
  return http.get(`/api/integration/runs/${encodeURIComponent(id)}`, config)
}
