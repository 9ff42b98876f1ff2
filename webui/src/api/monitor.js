import http from './http'
import { compactParams } from '@/utils/params'

export function listOperationLogs({ page = 1, pageSize = 20, user, method, status, path } = {}) {
  return http.get('/api/monitor/operation-logs', {
    params: compactParams({ page, page_size: pageSize, user, method, status, path }),
    withMeta: true,
  })
}
