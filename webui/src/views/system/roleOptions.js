import { ref } from 'vue'
import { listRoles } from '@/api/system'

// The built-in roles, most powerful first; used until /api/system/roles answers.
export const BUILT_IN_ROLES = ['admin', 'developer', 'analyst', 'viewer']

/** Role names for pickers, loaded once per page. */
export function useRoleOptions() {
  const roles = ref(BUILT_IN_ROLES.map((name) => ({ name, builtIn: true })))
  const loading = ref(false)

  async function load() {
    loading.value = true
    try {
      const data = await listRoles()
      if (Array.isArray(data) && data.length) roles.value = data
    } catch {
      // keep the built-in list
    } finally {
      loading.value = false
    }
  }

  return { roles, loading, load }
}
