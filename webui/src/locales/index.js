import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN'
import en from './en'

export const LOCALE_STORAGE_KEY = 'assetflow.locale'
export const SUPPORTED_LOCALES = ['zh-CN', 'en']
export const DEFAULT_LOCALE = 'zh-CN'

function initialLocale() {
  try {
    const saved = localStorage.getItem(LOCALE_STORAGE_KEY)
    if (SUPPORTED_LOCALES.includes(saved)) return saved
  } catch {
    // storage unavailable (private mode); fall back to the default
  }
  return DEFAULT_LOCALE
}

const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: { 'zh-CN': zhCN, en },
})

export function setLocale(locale) {
  if (!SUPPORTED_LOCALES.includes(locale)) return
  i18n.global.locale.value = locale
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // ignore
  }
  document.documentElement.setAttribute('lang', locale)
}

export function currentLocale() {
  return i18n.global.locale.value
}

export const t = (...args) => i18n.global.t(...args)
export const te = (...args) => i18n.global.te(...args)

export default i18n
