import { createRouter, createWebHistory } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import { t } from '@/locales'
import { menuLeaves } from './menu'
import AppLayout from '@/components/layout/AppLayout.vue'

const pageRoutes = menuLeaves().map((leaf) => ({
  path: leaf.path,
  name: leaf.name,
  component: leaf.component,
  meta: { titleKey: leaf.titleKey, roles: leaf.roles, menuKey: leaf.key },
}))

const routes = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/login/LoginView.vue'),
    meta: { public: true, titleKey: 'login.submit' },
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      ...pageRoutes,
      {
        path: '/403',
        name: 'forbidden',
        component: () => import('@/views/error/ForbiddenView.vue'),
        meta: { titleKey: 'error.forbidden' },
      },
      {
        path: '/:pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/error/NotFoundView.vue'),
        meta: { titleKey: 'error.notFound' },
      },
    ],
  },
]

const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

/** Only same-site paths are accepted as a post-login destination. */
export function safeRedirect(value) {
  const v = Array.isArray(value) ? value[0] : value
  if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || v.startsWith('/login')) return '/'
  return v
}

router.beforeEach(async (to) => {
  const auth = useAuthStore()

  if (to.meta.public) {
    if (to.name === 'login' && auth.isLoggedIn) return safeRedirect(to.query.redirect)
    return true
  }

  if (!auth.isLoggedIn) {
    if (auth.token) auth.clear()
    return { name: 'login', query: { redirect: to.fullPath } }
  }

  if (!auth.verified) {
    try {
      await auth.fetchMe({ silent: true, skipAuthRedirect: true })
    } catch (err) {
      if (err?.status === 401) {
        auth.clear()
        return { name: 'login', query: { redirect: to.fullPath } }
      }
      // Server unreachable: keep the cached user; pages show their own errors.
    }
  }

  if (to.meta.roles && to.meta.roles.length && !auth.hasAnyRole(to.meta.roles)) {
    return { name: 'forbidden' }
  }
  return true
})

export function updateTitle(route = router.currentRoute.value) {
  const key = route.meta?.titleKey
  document.title = key ? `${t(key)} · AssetFlow` : 'AssetFlow'
}

router.afterEach((to) => updateTitle(to))

export default router
