import { computed } from 'vue'
import { listTags } from '@/api/catalog'
import { sharedList } from './sharedList'

// The catalog's defined tags (GET /api/catalog/tags), shared by the tag pickers, the coloured
// tag badges and the 标签 page.

const shared = sharedList(() => listTags({ silent: true }))

/**
 *   const { tags, byName, load } = useCatalogTags()
 *   onMounted(load)            // load({ force: true }) after a change
 */
export function useCatalogTags() {
  const byName = computed(() => Object.fromEntries(shared.items.value.map((tag) => [tag.name, tag])))
  return {
    tags: shared.items,
    loading: shared.loading,
    loaded: shared.loaded,
    error: shared.error,
    byName,
    load: shared.load,
  }
}
