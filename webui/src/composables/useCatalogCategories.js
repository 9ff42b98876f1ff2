import { computed } from 'vue'
import { listCategories } from '@/api/catalog'
import { sharedList } from './sharedList'

// The classification tree (资产分类). The server lists categories flat with parent_id; this builds
// the tree once for every picker and page that needs it.

const shared = sharedList(() => listCategories({ silent: true }))

const byId = computed(() => Object.fromEntries(shared.items.value.map((c) => [c.id, c])))

/** Nodes { id, name, parent_id, description, table_count, total_count, depth, children }, by name. */
const tree = computed(() => {
  const nodes = new Map(shared.items.value.map((c) => [c.id, { ...c, children: [] }]))
  const roots = []
  for (const node of nodes.values()) {
    const parent = node.parent_id && node.parent_id !== node.id ? nodes.get(node.parent_id) : null
    if (parent) parent.children.push(node)
    else roots.push(node)
  }
  const byName = (a, b) => String(a.name).localeCompare(String(b.name), 'zh-CN')
  // total_count: tables of the category and of all its sub-categories.
  const walk = (list, depth, seen) => {
    list.sort(byName)
    let sum = 0
    for (const node of list) {
      if (seen.has(node.id)) continue
      seen.add(node.id)
      node.depth = depth
      node.total_count = Number(node.table_count || 0) + walk(node.children, depth + 1, seen)
      sum += node.total_count
    }
    return sum
  }
  walk(roots, 0, new Set())
  return roots
})

/** Names from the root down to the category: ['业务', '订单']. */
function pathOf(id) {
  const out = []
  const seen = new Set()
  let cur = byId.value[id]
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id)
    out.unshift(cur.name)
    cur = cur.parent_id ? byId.value[cur.parent_id] : null
  }
  return out
}

/** The ids of a category and of everything under it. */
function subtreeIds(id) {
  const out = new Set()
  const stack = [id]
  while (stack.length) {
    const cur = stack.pop()
    if (out.has(cur)) continue
    out.add(cur)
    for (const c of shared.items.value) if (c.parent_id === cur) stack.push(c.id)
  }
  return out
}

/**
 *   const { categories, tree, byId, pathOf, load } = useCatalogCategories()
 *   onMounted(load)            // load({ force: true }) after a change
 */
export function useCatalogCategories() {
  return {
    categories: shared.items,
    loading: shared.loading,
    loaded: shared.loaded,
    error: shared.error,
    tree,
    byId,
    pathOf,
    subtreeIds,
    load: shared.load,
  }
}
