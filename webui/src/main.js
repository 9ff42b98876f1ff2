import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import * as ElementPlusIcons from '@element-plus/icons-vue'

import App from './App.vue'
import router from './router'
import i18n, { currentLocale } from './locales'
import { configureHttp } from './api/http'
import { useAuthStore } from './stores/auth'
import './styles/index.css'

const app = createApp(App)
const pinia = createPinia()

app.use(pinia)
app.use(i18n)
app.use(router)
app.use(ElementPlus)
for (const [name, component] of Object.entries(ElementPlusIcons)) {
  app.component(name, component)
}

const auth = useAuthStore()
configureHttp({
  getToken: () => auth.token,
  onUnauthorized: () => {
    auth.clear()
    const current = router.currentRoute.value
    if (current.name !== 'login') {
      router.replace({ name: 'login', query: { redirect: current.fullPath } })
    }
  },
})

document.documentElement.setAttribute('lang', currentLocale())
app.mount('#app')
