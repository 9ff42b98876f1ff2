import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import { useAuthStore } from './auth'
import { uuid } from '@/utils/id'

// The tabs of the query console (数据查询). What a tab is made of (title, datasource, database, SQL,
// template parameters, page size) is kept in localStorage per user and survives a reload; what it
// is doing (running query, results, error) lives in memory only, so it survives switching tabs and
// pages but not a reload.

const STORAGE_PREFIX = 'assetflow.queryConsole.'
export const PAGE_SIZES = [50, 100, 200, 500]
export const DEFAULT_PAGE_SIZE = 100
export const PARAM_TYPES = ['string', 'number', 'boolean', 'list']
export const MAX_TABS = 30

/** The type of a parameter value: string, number, boolean or list (JSON array). */
export function paramTypeOf(value) {
  if (typeof value === 'number') return 'number'
  if (typeof value === 'boolean') return 'boolean'
  if (Array.isArray(value)) return 'list'
  return 'string'
}

/** { name: value } → [{ name, type, value }] (e.g. the params of a query log entry). */
export function paramsFromObject(obj) {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return []
  return Object.entries(obj).map(([name, value]) => {
    const type = paramTypeOf(value)
    return { name, type, value: type === 'string' ? (value == null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)) : value }
  })
}

/** [{ name, type, value }] → { name: value }, or undefined when there are none. */
export function paramsToObject(list) {
  if (!Array.isArray(list) || !list.length) return undefined
  return Object.fromEntries(list.map((p) => [p.name, p.value]))
}

function cleanParams(list) {
  if (!Array.isArray(list)) return []
  const seen = new Set()
  const out = []
  for (const p of list) {
    if (!p || typeof p.name !== 'string' || !p.name || seen.has(p.name)) continue
    seen.add(p.name)
    const type = PARAM_TYPES.includes(p.type) ? p.type : paramTypeOf(p.value)
    out.push({ name: p.name, type, value: p.value ?? '' })
  }
  return out
}

function makeTab(seq, init = {}) {
  return {
    id: uuid(),
    seq,
    title: typeof init.title === 'string' ? init.title.slice(0, 40) : '',
    datasource_id: typeof init.datasource_id === 'string' ? init.datasource_id : '',
    database: typeof init.database === 'string' ? init.database : '',
    sql: typeof init.sql === 'string' ? init.sql : '',
    params: cleanParams(init.params),
    page_size: PAGE_SIZES.includes(init.page_size) ? init.page_size : DEFAULT_PAGE_SIZE,
  }
}

function newRuntime() {
  return reactive({
    running: false,
    cancelling: false,
    startedAt: 0,
    queryId: '',
    controller: null, // AbortController of the running request
    result: null, // the last answer (markRaw: rows are never made reactive)
    request: null, // the body of the last successful run, for paging and the result's SQL
    rowOffset: 0, // editor row of the first line of the SQL that ran (a selection)
    error: null, // { type, title, message, hint, line }
    annotations: [],
    exporting: false,
  })
}

export const useQueryConsoleStore = defineStore('queryConsole', () => {
  const owner = ref(null) // the user whose tabs are loaded
  const tabs = ref([])
  const activeId = ref('')
  const nextSeq = ref(1)
  const runtimes = new Map()

  const activeTab = computed(() => tabs.value.find((t) => t.id === activeId.value) || tabs.value[0] || null)

  function storageKey(user) {
    return `${STORAGE_PREFIX}${user}`
  }

  function currentUser() {
    const auth = useAuthStore()
    return auth.user?.id || auth.user?.username || 'anonymous'
  }

  function read(user) {
    try {
      const raw = localStorage.getItem(storageKey(user))
      if (!raw) return null
      const data = JSON.parse(raw)
      if (!data || !Array.isArray(data.tabs)) return null
      return data
    } catch {
      return null
    }
  }

  function save() {
    if (!owner.value) return
    try {
      localStorage.setItem(
        storageKey(owner.value),
        JSON.stringify({ tabs: tabs.value, activeId: activeId.value, nextSeq: nextSeq.value }),
      )
    } catch {
      // storage full or unavailable: the tabs last until the page closes
    }
  }

  /** Loads the signed-in user's tabs unless they are loaded already; there is always one tab. */
  function ensureLoaded() {
    const user = currentUser()
    if (owner.value === user && tabs.value.length) return
    owner.value = user
    runtimes.clear()
    const data = read(user)
    const list = []
    let seq = 1
    for (const raw of data?.tabs || []) {
      const s = Number.isInteger(raw?.seq) && raw.seq > 0 ? raw.seq : seq
      const tab = { ...makeTab(s, raw), id: typeof raw?.id === 'string' && raw.id ? raw.id : uuid() }
      list.push(tab)
      seq = Math.max(seq, s + 1)
    }
    nextSeq.value = Math.max(seq, Number.isInteger(data?.nextSeq) ? data.nextSeq : 1)
    if (!list.length) list.push(makeTab(nextSeq.value++))
    tabs.value = list
    activeId.value = list.some((t) => t.id === data?.activeId) ? data.activeId : list[0].id
    save()
  }

  function tabById(id) {
    return tabs.value.find((t) => t.id === id) || null
  }

  function runtimeOf(id) {
    let rt = runtimes.get(id)
    if (!rt) {
      rt = newRuntime()
      runtimes.set(id, rt)
    }
    return rt
  }

  /** Opens a new tab (init: { title, datasource_id, database, sql, params, page_size }) and shows it. */
  function addTab(init = {}) {
    ensureLoaded()
    // Past the cap the oldest idle tabs make room.
    while (tabs.value.length >= MAX_TABS) {
      const idle = tabs.value.find((t) => t.id !== activeId.value && !runtimes.get(t.id)?.running)
      if (!idle) break
      removeTab(idle.id)
    }
    const tab = makeTab(nextSeq.value++, init)
    tabs.value.push(tab)
    activeId.value = tab.id
    return tab
  }

  function removeTab(id) {
    const index = tabs.value.findIndex((t) => t.id === id)
    if (index < 0) return
    const rt = runtimes.get(id)
    rt?.controller?.abort()
    runtimes.delete(id)
    tabs.value.splice(index, 1)
    if (!tabs.value.length) tabs.value.push(makeTab(nextSeq.value++))
    if (activeId.value === id) {
      activeId.value = (tabs.value[index] || tabs.value[index - 1] || tabs.value[0]).id
    }
  }

  function renameTab(id, title) {
    const tab = tabById(id)
    if (tab) tab.title = String(title || '').trim().slice(0, 40)
  }

  function activate(id) {
    if (tabById(id)) activeId.value = id
  }

  watch([tabs, activeId, nextSeq], save, { deep: true })

  return {
    tabs,
    activeId,
    activeTab,
    ensureLoaded,
    tabById,
    runtimeOf,
    addTab,
    removeTab,
    renameTab,
    activate,
  }
})
