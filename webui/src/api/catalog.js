import http from './http'
import { compactParams } from '@/utils/params'

// Metadata and the data asset catalog. Fields are snake_case on the wire and in the console.
// Every curation call (describe, tag, classify, delete, restore) answers the table detail
// { table, columns }.

const base = '/api/catalog'
const table = (id) => `${base}/tables/${encodeURIComponent(id)}`
const column = (id, name) => `${table(id)}/columns/${encodeURIComponent(name)}`

// Collection

/** Starts a collection: { datasource_id, database?, tables? } → { run_id }. 409 CONFLICT while one runs. */
export function startCollection({ datasource_id, database, tables } = {}, config = {}) {
  const body = { datasource_id }
  if (database) body.database = database
  if (tables && tables.length) body.tables = tables
  return http.post(`${base}/collect`, body, config)
}

export function listRuns({ page = 1, pageSize = 20, datasource_id } = {}, config = {}) {
  return http.get(`${base}/runs`, {
    params: compactParams({ page, page_size: pageSize, datasource_id }),
    withMeta: true,
    ...config,
  })
}

export function getRun(id, config = {}) {
  return http.get(`${base}/runs/${encodeURIComponent(id)}`, config)
}

// Tables

/**
 * Catalog entries. Filters: name, database, datasource_id, tag, category_id, q (full text over
 * table and column names and comments), status ("" = active and dropped, active|dropped|deleted|all),
 * created_from/created_to/updated_from/updated_to (RFC 3339, "to" exclusive).
 */
export function listCatalogTables({ page = 1, pageSize = 20, ...filters } = {}, config = {}) {
  const { name, database, datasource_id, tag, category_id, q, status } = filters
  const { created_from, created_to, updated_from, updated_to } = filters
  return http.get(`${base}/tables`, {
    params: compactParams({
      page,
      page_size: pageSize,
      name,
      database,
      datasource_id,
      tag,
      category_id,
      q,
      status,
      created_from,
      created_to,
      updated_from,
      updated_to,
    }),
    withMeta: true,
    ...config,
  })
}

/** Registers a table by hand: { datasource_id?, database, schema?, name, comment, columns }. */
export function registerCatalogTable(body) {
  return http.post(`${base}/tables`, body, { silent: true })
}

/** { table, columns } */
export function getCatalogTable(id, config = {}) {
  return http.get(table(id), config)
}

export function listCatalogColumns(id, config = {}) {
  return http.get(`${table(id)}/columns`, config)
}

/** [{ event_id, type, occurred_at, actor_name, summary, payload }], newest first. */
export function listTableHistory(id, { page = 1, pageSize = 20 } = {}, config = {}) {
  return http.get(`${table(id)}/history`, { params: { page, page_size: pageSize }, withMeta: true, ...config })
}

/** { description, owner } */
export function describeCatalogTable(id, body) {
  return http.put(table(id), body, { silent: true })
}

export function setTableTags(id, tags) {
  return http.put(`${table(id)}/tags`, { tags })
}

/** category_id "" clears the category. */
export function setTableCategory(id, categoryId) {
  return http.put(`${table(id)}/category`, { category_id: categoryId || '' })
}

export function setColumnTags(id, columnName, tags) {
  return http.put(`${column(id, columnName)}/tags`, { tags })
}

export function setColumnCategory(id, columnName, categoryId) {
  return http.put(`${column(id, columnName)}/category`, { category_id: categoryId || '' })
}

export function deleteCatalogTable(id) {
  return http.delete(table(id))
}

export function restoreCatalogTable(id) {
  return http.post(`${table(id)}/restore`)
}

/** Profiles the table's data (may take a while); answers the profile. The caller shows errors. */
export function profileCatalogTable(id) {
  return http.post(`${table(id)}/profile`, null, { timeout: 180000, silent: true })
}

// Categories (a flat list; the console builds the tree from parent_id)

export function listCategories(config = {}) {
  return http.get(`${base}/categories`, config)
}

/** { name, parent_id, description } */
export function createCategory(body) {
  return http.post(`${base}/categories`, body, { silent: true })
}

export function updateCategory(id, body) {
  return http.put(`${base}/categories/${encodeURIComponent(id)}`, body, { silent: true })
}

export function deleteCategory(id) {
  return http.delete(`${base}/categories/${encodeURIComponent(id)}`)
}

// Tags

export function listTags(config = {}) {
  return http.get(`${base}/tags`, config)
}

/** { name, color, description, sensitive } */
export function createTag(body) {
  return http.post(`${base}/tags`, body, { silent: true })
}

/** { color, description, sensitive } */
export function updateTag(name, body) {
  return http.put(`${base}/tags/${encodeURIComponent(name)}`, body, { silent: true })
}

export function deleteTag(name) {
  return http.delete(`${base}/tags/${encodeURIComponent(name)}`)
}
