import { ref, shallowRef } from 'vue'

/**
 * A list fetched from the server and shared by every component of the page load (defined tags,
 * categories, datasources). Concurrent loads share one request; `load({ force: true })` fetches
 * again (after a change), `load()` only when nothing was fetched yet.
 *
 *   const tags = sharedList(() => listTags({ silent: true }))
 *   tags.items.value, tags.loading.value, await tags.load()
 */
export function sharedList(fetcher) {
  const items = shallowRef([])
  const loading = ref(false)
  const loaded = ref(false)
  const error = shallowRef(null)
  let pending = null

  function load({ force = false } = {}) {
    // A forced load after a change must not be answered by a request that started before it.
    if (pending) return force ? pending.then(() => load({ force: true })) : pending
    if (loaded.value && !force) return Promise.resolve(items.value)
    loading.value = true
    pending = Promise.resolve()
      .then(fetcher)
      .then((data) => {
        items.value = Array.isArray(data) ? data : []
        loaded.value = true
        error.value = null
        return items.value
      })
      .catch((err) => {
        error.value = err
        return items.value
      })
      .finally(() => {
        pending = null
        loading.value = false
      })
    return pending
  }

  return { items, loading, loaded, error, load }
}
