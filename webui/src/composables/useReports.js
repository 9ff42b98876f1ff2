import { computed } from 'vue'
import { listReports } from '@/api/dataservice'
import { sharedList } from './sharedList'

// The reports (报表) that group report APIs, shared by the report pickers and the 报表接口 page.

const shared = sharedList(() => listReports({ silent: true }))

/**
 *   const { reports, byId, load } = useReports()
 *   onMounted(() => load({ force: true }))   // after a change too
 */
export function useReports() {
  const byId = computed(() => Object.fromEntries(shared.items.value.map((r) => [r.id, r])))
  return {
    reports: shared.items,
    loading: shared.loading,
    loaded: shared.loaded,
    error: shared.error,
    byId,
    load: shared.load,
  }
}
