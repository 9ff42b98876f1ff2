import { defineStore } from 'pinia'
import * as authApi from '@/api/auth'

const STORAGE_KEY = 'assetflow.session'

function load() {
  try {
    const raw = localStorage.getItem(STORAGE_KEY)
    if (!raw) return null
    const s = JSON.parse(raw)
    if (!s || !s.token) return null
    if (s.expiresAt && new Date(s.expiresAt).getTime() <= Date.now()) return null
    return s
  } catch {
    return null
  }
}

function save(state) {
  try {
    if (state.token) {
      localStorage.setItem(
        STORAGE_KEY,
        JSON.stringify({ token: state.token, expiresAt: state.expiresAt, user: state.user }),
      )
    } else {
      localStorage.removeItem(STORAGE_KEY)
    }
  } catch {
    // storage unavailable: the session lasts until the tab closes
  }
}

export const useAuthStore = defineStore('auth', {
  state: () => {
    const s = load()
    return {
      token: s?.token || '',
      expiresAt: s?.expiresAt || null,
      user: s?.user || null,
      // true once /api/auth/me confirmed the stored session in this page load
      verified: false,
    }
  },
  getters: {
    isLoggedIn(state) {
      if (!state.token) return false
      if (state.expiresAt && new Date(state.expiresAt).getTime() <= Date.now()) return false
      return true
    },
    roles: (state) => state.user?.roles || [],
    isAdmin() {
      return this.roles.includes('admin')
    },
    displayName: (state) => state.user?.displayName || state.user?.username || '',
  },
  actions: {
    hasAnyRole(roles) {
      if (!roles || roles.length === 0) return true
      return roles.some((r) => this.roles.includes(r))
    },
    async login(username, password) {
      const data = await authApi.login(username, password)
      this.token = data.token
      this.expiresAt = data.expiresAt || null
      this.user = data.user || null
      this.verified = true
      save(this)
      return data
    },
    async fetchMe(config) {
      const user = await authApi.fetchMe(config)
      this.user = user
      this.verified = true
      save(this)
      return user
    },
    async logout() {
      if (this.token) {
        try {
          await authApi.logout()
        } catch {
          // the session is dropped locally either way
        }
      }
      this.clear()
    },
    clear() {
      this.token = ''
      this.expiresAt = null
      this.user = null
      this.verified = false
      save(this)
    },
  },
})
