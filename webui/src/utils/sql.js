// SQL helpers of the query console: editor mode and formatter dialect per datasource type,
// keywords for autocompletion, template-aware formatting, error lines.

/** Ace mode of a datasource type. */
export function aceModeOf(type) {
  switch (type) {
    case 'mysql':
    case 'mariadb':
    case 'starrocks':
      return 'mysql'
    case 'postgresql':
      return 'pgsql'
    default:
      return 'sql'
  }
}

const FORMAT_DIALECTS = {
  mysql: 'mysql',
  mariadb: 'mariadb',
  starrocks: 'mysql',
  postgresql: 'postgresql',
  trino: 'trino',
  presto: 'trino',
  hive: 'hive',
}

// Template tags ({{ var }}, {% tag %}, {# comment #}) pass through the formatter untouched.
const TEMPLATE_TOKENS = [{ regex: String.raw`\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}` }]

/**
 * Formats SQL in the dialect of a datasource type. The formatter is loaded on first use (it is
 * large); throws when the text cannot be parsed.
 */
export async function formatSql(text, type) {
  const lib = await import('sql-formatter')
  const dialect = lib[FORMAT_DIALECTS[type] || 'sql'] || lib.sql
  return lib.formatDialect(text, {
    dialect,
    keywordCase: 'upper',
    tabWidth: 2,
    linesBetweenQueries: 1,
    paramTypes: { custom: TEMPLATE_TOKENS },
  })
}

/** Keywords and functions offered by the editor's autocompletion. */
export const SQL_KEYWORDS = [
  'SELECT', 'DISTINCT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'EXISTS', 'BETWEEN', 'LIKE', 'ILIKE', 'IS', 'NULL',
  'AS', 'ON', 'USING', 'JOIN', 'INNER JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN', 'CROSS JOIN', 'GROUP BY',
  'HAVING', 'ORDER BY', 'ASC', 'DESC', 'LIMIT', 'OFFSET', 'UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT', 'WITH',
  'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'CAST', 'INSERT INTO', 'VALUES', 'UPDATE', 'SET', 'DELETE FROM',
  'CREATE TABLE', 'ALTER TABLE', 'DROP TABLE', 'TRUNCATE', 'SHOW', 'SHOW TABLES', 'SHOW DATABASES', 'DESCRIBE',
  'EXPLAIN', 'OVER', 'PARTITION BY', 'ROWS', 'TRUE', 'FALSE', 'INTERVAL', 'DATE', 'TIMESTAMP',
]

export const SQL_FUNCTIONS = [
  'COUNT', 'SUM', 'AVG', 'MIN', 'MAX', 'COALESCE', 'NULLIF', 'CONCAT', 'SUBSTRING', 'LENGTH', 'LOWER', 'UPPER',
  'TRIM', 'ROUND', 'FLOOR', 'CEIL', 'ABS', 'NOW', 'CURRENT_DATE', 'CURRENT_TIMESTAMP', 'DATE_FORMAT', 'DATE_TRUNC',
  'EXTRACT', 'ROW_NUMBER', 'RANK', 'DENSE_RANK', 'LAG', 'LEAD', 'GROUP_CONCAT', 'STRING_AGG', 'IFNULL',
]

/** "line 3: undefined variable …" → 3 (1-based), else 0. */
export function errorLine(message) {
  const m = /\bline\s+(\d+)\b/i.exec(String(message || ''))
  return m ? Number(m[1]) : 0
}

const IDENT = String.raw`(?:\x60[^\x60]+\x60|"[^"]+"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`
const unquote = (s) => String(s || '').replace(/^[\x60"]|[\x60"]$/g, '')

/**
 * Tables the statement names after FROM / JOIN / UPDATE / INTO, with their aliases:
 * [{ table, qualifier, alias }] ("from sales.orders o" → { table: 'orders', qualifier: 'sales', alias: 'o' }).
 */
export function referencedTables(text) {
  const re = new RegExp(
    String.raw`\b(?:from|join|update|into)\s+(${IDENT})(?:\s*\.\s*(${IDENT}))?(?:\s+(?:as\s+)?(${IDENT}))?`,
    'gi',
  )
  const reserved = /^(where|on|using|join|left|right|inner|outer|full|cross|group|order|limit|set|values|select|union|having|natural|lateral|window)$/i
  const out = []
  let m
  while ((m = re.exec(String(text || '')))) {
    const first = unquote(m[1])
    const second = m[2] ? unquote(m[2]) : ''
    const alias = m[3] && !reserved.test(m[3]) ? unquote(m[3]) : ''
    out.push(second ? { table: second, qualifier: first, alias } : { table: first, qualifier: '', alias })
  }
  return out
}
