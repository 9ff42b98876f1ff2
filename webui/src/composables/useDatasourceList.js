import { computed } from 'vue'
import { listDatasources } from '@/api/datasource'
import { sharedList } from './sharedList'

// The datasources (up to the API's largest page), shared by the datasource pickers and by the
// pages that show a datasource's type next to its name.

const shared = sharedList(() =>
  listDatasources({ page: 1, pageSize: 500 }).then(({ items }) => items),
)

/**
 *   const { datasources, byId, load } = useDatasourceList()
 *   onMounted(() => load({ force: true }))   // datasources change often: refresh per page
 */
export function useDatasourceList() {
  const byId = computed(() => Object.fromEntries(shared.items.value.map((d) => [d.id, d])))
  return {
    datasources: shared.items,
    loading: shared.loading,
    loaded: shared.loaded,
    error: shared.error,
    byId,
    load: shared.load,
  }
}
