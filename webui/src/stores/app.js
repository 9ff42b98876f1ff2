import { defineStore } from 'pinia'
import { currentLocale, setLocale } from '@/locales'

const COLLAPSE_KEY = 'assetflow.sidebarCollapsed'

export const useAppStore = defineStore('app', {
  state: () => ({
    locale: currentLocale(),
    sidebarCollapsed: localStorage.getItem(COLLAPSE_KEY) === '1',
  }),
  actions: {
    setLocale(locale) {
      setLocale(locale)
      this.locale = locale
    },
    toggleSidebar() {
      this.sidebarCollapsed = !this.sidebarCollapsed
      localStorage.setItem(COLLAPSE_KEY, this.sidebarCollapsed ? '1' : '0')
    },
  },
})
