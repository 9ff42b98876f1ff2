import http from './http'
import { compactParams } from '@/utils/params'

/** from/to are RFC3339 strings. */
export function listEvents({ page = 1, pageSize = 20, type, actor, stream, from, to } = {}) {
  return http.get('/api/audit/events', {
    params: compactParams({ page, page_size: pageSize, type, actor, stream, from, to }),
    withMeta: true,
  })
}

export function listEventTypes() {
  return http.get('/api/audit/event-types')
}
