// Modules of the operation log: the first path segment after /api/ (what the server filters on).
// Only writes (POST, PUT, PATCH, DELETE) are logged, so read-only modules are not offered.
export const OPERATION_MODULES = ['auth', 'datasources', 'catalog', 'dataservice', 'system', 'monitor']

/** "/api/catalog/tables/1" → "catalog"; '' for paths outside /api/. */
export function moduleOf(path) {
  const m = /^\/api\/([^/?#]+)/.exec(String(path || ''))
  return m ? m[1] : ''
}
