import { ref } from 'vue'
import { listCatalogTables, listCatalogColumns } from '@/api/catalog'
import http from '@/api/http'

// Shared pieces of the data permission pages: object paths, the catalog behind the object pickers,
// tag colours and the mask preview.

export const PRIVILEGES = ['query', 'export', 'manage']
export const EFFECTS = ['allow', 'deny']
export const SUBJECT_TYPES = ['user', 'role']
export const MASKS = ['full', 'partial', 'hash', 'null', 'year']
export const REQUEST_STATUSES = ['pending', 'approved', 'rejected']

const PRIVILEGE_TAG = { query: 'primary', export: 'warning', manage: 'danger' }
const STATUS_TAG = { pending: 'warning', approved: 'success', rejected: 'danger' }

export const privilegeTagType = (p) => PRIVILEGE_TAG[p] || 'info'
export const effectTagType = (e) => (e === 'deny' ? 'danger' : 'success')
export const requestStatusType = (s) => STATUS_TAG[s] || 'info'

// Object paths: "<datasource_id>[.<db>[.<table>[.<column>]]]"

/** 1 datasource, 2 database/schema, 3 table, 4 column; 0 for an empty path. */
export function levelOf(path) {
  const p = String(path || '').trim()
  return p ? p.split('.').length : 0
}

/** The datasource id of a path. */
export function datasourceOf(path) {
  return String(path || '').split('.')[0]
}

/** The path with the datasource id replaced by its name: "订单库.shop.orders.phone". */
export function objectLabel(path, byId = {}) {
  const parts = String(path || '').split('.')
  const ds = byId[parts[0]]
  if (ds) parts[0] = ds.name
  return parts.join('.')
}

/** Whether a path is well formed and its level within [min, max]. */
export function validPath(path, min = 1, max = 4) {
  const p = String(path || '').trim()
  if (!p) return false
  const parts = p.split('.')
  return parts.length >= min && parts.length <= max && parts.every((s) => s !== '' && !/\s/.test(s))
}

/** The schema (PostgreSQL) or database (MySQL, MariaDB) a catalog table sits in: the path's db. */
export function dbOf(table) {
  return table.schema || table.database || ''
}

// The catalog behind the pickers, cached for the page's lifetime (datasource id → tables).
const tableCache = new Map()
const columnCache = new Map()

async function fetchTables(datasourceId) {
  const out = []
  for (let page = 1; page <= 20; page++) {
    const { items, meta } = await listCatalogTables(
      { page, pageSize: 500, datasource_id: datasourceId, status: 'active' },
      { silent: true },
    )
    out.push(...items)
    if (!items.length || out.length >= Number(meta?.total || 0)) break
  }
  return out
}

/** The active catalog tables of a datasource. */
export function catalogTables(datasourceId, { force = false } = {}) {
  if (force || !tableCache.has(datasourceId)) {
    const p = fetchTables(datasourceId).catch((err) => {
      tableCache.delete(datasourceId)
      throw err
    })
    tableCache.set(datasourceId, p)
  }
  return tableCache.get(datasourceId)
}

/** Database (or schema) names of a datasource in the catalog, sorted. */
export async function catalogDatabases(datasourceId) {
  const tables = await catalogTables(datasourceId)
  return [...new Set(tables.map(dbOf).filter(Boolean))].sort()
}

/** Catalog tables of one database (schema), sorted by name. */
export async function catalogTablesIn(datasourceId, db) {
  const tables = await catalogTables(datasourceId)
  return tables.filter((t) => dbOf(t) === db).sort((a, b) => a.name.localeCompare(b.name))
}

/** Columns of a catalog table, in order. */
export function catalogColumns(table) {
  if (!columnCache.has(table.id)) {
    const p = listCatalogColumns(table.id, { silent: true })
      .then((cols) => (Array.isArray(cols) ? cols : cols?.columns || []))
      .catch((err) => {
        columnCache.delete(table.id)
        throw err
      })
    columnCache.set(table.id, p)
  }
  return columnCache.get(table.id)
}

/** Children of an object path as [{ path, name, level, leaf, type?, comment? }]; datasources for ''. */
export async function childrenOf(path, datasources, maxLevel = 4) {
  const parts = path ? path.split('.') : []
  const level = parts.length + 1
  const leaf = level >= maxLevel
  if (level === 1) {
    return datasources.map((d) => ({ path: d.id, name: d.name, level, leaf, type: d.type }))
  }
  if (level === 2) {
    const dbs = await catalogDatabases(parts[0])
    return dbs.map((db) => ({ path: `${path}.${db}`, name: db, level, leaf }))
  }
  if (level === 3) {
    const tables = await catalogTablesIn(parts[0], parts[1])
    return tables.map((t) => ({ path: `${path}.${t.name}`, name: t.name, level, leaf, comment: t.comment, table: t }))
  }
  if (level === 4) {
    const tables = await catalogTablesIn(parts[0], parts[1])
    const table = tables.find((t) => t.name === parts[2])
    if (!table) return []
    const cols = await catalogColumns(table)
    return cols.map((c) => ({ path: `${path}.${c.name}`, name: c.name, level, leaf: true, type: c.type, comment: c.comment }))
  }
  return []
}

// Users for the subject pickers: only admins may list them; everyone else types a username.
const users = ref([])
let usersLoaded = null

export function useUserOptions() {
  function load() {
    if (!usersLoaded) {
      usersLoaded = http
        .get('/api/system/users', { params: { page: 1, page_size: 500 }, withMeta: true, silent: true })
        .then(({ items }) => {
          users.value = items
        })
        .catch(() => {
          users.value = []
        })
    }
    return usersLoaded
  }
  return { users, load }
}

// Mask preview

const SAMPLE_HASH = { '13800001234': '3941f6ec03babc666839f3e70c85469510368782e9a673132fde1bb8fa6f5aed' }

async function sha256Hex(text) {
  if (SAMPLE_HASH[text]) return SAMPLE_HASH[text]
  if (!globalThis.crypto?.subtle) return ''
  const buf = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** What a value looks like through a mask (as the query engine renders it). */
export async function maskPreview(mask, value, keepLast = 4) {
  const v = String(value ?? '')
  switch (mask) {
    case 'full':
      return '****'
    case 'partial': {
      const keep = Math.max(0, Number(keepLast) || 0)
      const chars = [...v]
      const shown = keep > 0 ? chars.slice(-keep) : []
      return '*'.repeat(Math.max(chars.length - keep, 0)) + shown.join('')
    }
    case 'hash':
      return sha256Hex(v)
    case 'null':
      return 'NULL'
    case 'year': {
      const m = /^(\d{4})/.exec(v.trim())
      return m ? `${m[1]}-01-01` : '—'
    }
    default:
      return v
  }
}

/** A sample value that suits the mask. */
export function maskSample(mask) {
  return mask === 'year' ? '1990-07-15' : '13800001234'
}
