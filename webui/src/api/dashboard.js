import http from './http'

export function fetchSummary() {
  return http.get('/api/dashboard/summary')
}
