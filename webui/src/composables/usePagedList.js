import { computed, reactive, ref, shallowRef, watch } from 'vue'

/**
 * State for a paginated, filterable table backed by a list endpoint.
 *
 *   const list = usePagedList((q) => listUsers(q), { keyword: '', status: '' })
 *   list.load()         // fetch the current page
 *   list.search()       // back to page 1 with the current filters
 *   list.resetFilters() // clear filters and search
 *
 * `fetcher` receives { page, pageSize, ...filters } and resolves to { items, meta }.
 */
export function usePagedList(fetcher, initialFilters = {}, { pageSize = 20 } = {}) {
  const defaults = { ...initialFilters }
  const filters = reactive({ ...initialFilters })
  const items = shallowRef([])
  const loading = ref(false)
  const error = ref(null)
  const page = ref(1)
  const size = ref(pageSize)
  const total = ref(0)
  let seq = 0

  async function load() {
    const mine = ++seq
    loading.value = true
    error.value = null
    try {
      const { items: rows, meta } = await fetcher({ page: page.value, pageSize: size.value, ...filters })
      if (mine !== seq) return
      items.value = rows || []
      total.value = meta && Number.isFinite(Number(meta.total)) ? Number(meta.total) : (rows || []).length
      // Deleted the last row of the last page: step back one page.
      if (items.value.length === 0 && page.value > 1 && total.value > 0) {
        page.value = Math.max(1, Math.ceil(total.value / size.value))
        return load()
      }
    } catch (err) {
      if (mine !== seq) return
      error.value = err
      items.value = []
      total.value = 0
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  function search() {
    page.value = 1
    return load()
  }

  function resetFilters() {
    for (const key of Object.keys(filters)) delete filters[key]
    Object.assign(filters, defaults)
    return search()
  }

  function onPageChange(p) {
    page.value = p
    return load()
  }

  function onSizeChange(s) {
    size.value = s
    page.value = 1
    return load()
  }

  return { filters, items, loading, error, page, pageSize: size, total, load, search, resetFilters, onPageChange, onSizeChange }
}

/**
 * Pages of a list the endpoint returns whole (filters, if any, applied in the page).
 *
 *   const { page, pageSize, pageRows } = useLocalPages(rows)
 *
 * When rows shrink below the current page (a removal, a narrower filter), the page steps back to
 * the last one there is.
 */
export function useLocalPages(rows, { pageSize = 20 } = {}) {
  const page = ref(1)
  const size = ref(pageSize)
  const pageRows = computed(() => rows.value.slice((page.value - 1) * size.value, page.value * size.value))
  watch(
    () => Math.max(1, Math.ceil(rows.value.length / size.value)),
    (last) => {
      if (page.value > last) page.value = last
    },
  )
  return { page, pageSize: size, pageRows }
}
