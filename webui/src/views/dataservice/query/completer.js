// Ace completer of the query console: SQL keywords and functions, plus the databases, tables and
// columns of the tab's datasource (GET /api/dataservice/completions). After "x." it offers the
// columns of table or alias x, or the tables of database / schema x.
import { SQL_FUNCTIONS, SQL_KEYWORDS, referencedTables } from '@/utils/sql'

const PLAIN = /^[A-Za-z_][A-Za-z0-9_$]*$/
const MAX_COLUMNS = 4000

/**
 *   const completer = createSqlCompleter(() => ({ data, database, quote, labels }))
 *   <CodeEditor :completers="[completer]" />
 * `data` is the completions answer, `database` the tab's database, `quote` the identifier quote
 * (` for MySQL-like types, " otherwise) and `labels` the translated meta texts.
 */
export function createSqlCompleter(context) {
  const quoteName = (name, quote) => (PLAIN.test(name) ? name : `${quote}${String(name).replaceAll(quote, quote + quote)}${quote}`)

  function tableValue(tb, database, quote) {
    const name = quoteName(tb.name, quote)
    if (tb.schema && tb.schema !== 'public' && tb.schema !== database) return `${quoteName(tb.schema, quote)}.${name}`
    if (!tb.schema && tb.database && database && tb.database !== database) return `${quoteName(tb.database, quote)}.${name}`
    return name
  }

  const tableItem = (tb, database, quote, labels, score) => ({
    caption: tb.name,
    value: tableValue(tb, database, quote),
    meta: tb.schema && tb.schema !== 'public' ? `${labels.table} · ${tb.schema}` : labels.table,
    score,
    docText: tb.comment || undefined,
  })

  const columnItem = (col, tb, quote, score) => ({
    caption: col.name,
    value: quoteName(col.name, quote),
    meta: col.type ? `${col.type}` : tb.name,
    score,
    docText: [`${tb.name}.${col.name}`, col.type, col.comment].filter(Boolean).join('\n'),
  })

  const eq = (a, b) => String(a || '').toLowerCase() === String(b || '').toLowerCase()

  return {
    id: 'assetflowSql',
    triggerCharacters: ['.'],
    identifierRegexps: [/[a-zA-Z_0-9$\u00A2-\u2000\u2070-\uFFFF]/],
    getCompletions(editor, session, pos, prefix, callback) {
      const { data, database, quote = '"', labels } = context()
      const tables = Array.isArray(data?.tables) ? data.tables : []
      const databases = Array.isArray(data?.databases) ? data.databases : []
      const line = session.getLine(pos.row)
      const before = line.slice(0, pos.column - prefix.length)
      const qualified = /(`[^`]+`|"[^"]+"|[A-Za-z0-9_$\u00A2-\uFFFF]+)\s*\.\s*$/.exec(before)
      const refs = referencedTables(editor.getValue())

      if (qualified) {
        const q = qualified[1].replace(/^[`"]|[`"]$/g, '')
        const ref = refs.find((r) => r.alias && eq(r.alias, q))
        const targets = ref
          ? tables.filter((tb) => eq(tb.name, ref.table) && (!ref.qualifier || eq(tb.schema || tb.database, ref.qualifier)))
          : tables.filter((tb) => eq(tb.name, q))
        if (targets.length) {
          const out = []
          for (const tb of targets) for (const col of tb.columns || []) out.push(columnItem(col, tb, quote, 500))
          return callback(null, out)
        }
        const inScope = tables.filter((tb) => eq(tb.schema, q) || eq(tb.database, q))
        return callback(
          null,
          inScope.map((tb) => ({ ...tableItem(tb, database, quote, labels, 500), value: quoteName(tb.name, quote) })),
        )
      }

      const out = []
      for (const k of SQL_KEYWORDS) out.push({ caption: k, value: k, meta: labels.keyword, score: 100 })
      for (const f of SQL_FUNCTIONS) out.push({ caption: f, value: f, meta: labels.function, score: 90 })
      for (const d of databases) out.push({ caption: d, value: quoteName(d, quote), meta: labels.database, score: 200 })
      for (const tb of tables) out.push(tableItem(tb, database, quote, labels, 300))
      // Columns of the tables the statement uses first, then the others (up to a cap).
      const used = new Set()
      for (const r of refs) {
        for (const tb of tables) {
          if (eq(tb.name, r.table) && (!r.qualifier || eq(tb.schema || tb.database, r.qualifier))) used.add(tb)
        }
      }
      let count = 0
      for (const tb of used) for (const col of tb.columns || []) out.push(columnItem(col, tb, quote, 400)), count++
      for (const tb of tables) {
        if (used.has(tb)) continue
        for (const col of tb.columns || []) {
          if (count++ >= MAX_COLUMNS) break
          out.push(columnItem(col, tb, quote, 150))
        }
      }
      callback(null, out)
    },
  }
}

// Completions per datasource and database, shared by all tabs for a few minutes.
const CACHE_TTL = 5 * 60 * 1000
const cache = new Map()

/** GET /api/dataservice/completions, cached; `force` fetches again. */
export function fetchCompletions(load, datasourceId, database, { force = false } = {}) {
  const key = `${datasourceId}\u0000${database || ''}`
  const hit = cache.get(key)
  if (hit && !force && Date.now() - hit.at < CACHE_TTL) return hit.promise
  const promise = load({ datasource_id: datasourceId, database: database || undefined }).catch((err) => {
    cache.delete(key)
    throw err
  })
  cache.set(key, { at: Date.now(), promise })
  return promise
}
