/** Drops empty values (undefined, null, '' and blank strings) and trims strings. */
export function compactParams(params) {
  const out = {}
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null) continue
    if (typeof value === 'string') {
      const v = value.trim()
      if (v !== '') out[key] = v
      continue
    }
    out[key] = value
  }
  return out
}
