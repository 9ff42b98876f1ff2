import { computed } from 'vue'
import { useAuthStore } from '@/stores/auth'

// Roles that may change assets (datasources, the catalog, …); everyone else gets read-only pages.
export const MANAGE_ROLES = ['admin', 'developer']

/** `canManage` is true for users holding admin or developer. */
export function useCanManage() {
  const auth = useAuthStore()
  return computed(() => auth.hasAnyRole(MANAGE_ROLES))
}

// Roles that may run SQL in the query console (the server decides; the console only explains).
export const QUERY_ROLES = ['admin', 'developer', 'analyst']

/** `canQuery` is true for users holding admin, developer or analyst. */
export function useCanQuery() {
  const auth = useAuthStore()
  return computed(() => auth.hasAnyRole(QUERY_ROLES))
}
