// Browser test of the query console (数据服务 › 数据查询, 查询日志) against a running AssetFlow server,
// a MariaDB on 127.0.0.1:3306 (user root, no password) holding a database with the table
// e2e_orders, and the PostgreSQL on 127.0.0.1:5432 (user postgres, database postgres).
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... \
//   ASSETFLOW_E2E_MARIADB_DB=af_e2e_... node --test webui/e2e/
//
// Makes sure the datasources e2e-query-maria and e2e-query-pg exist (through the API; kept for
// later runs). Tab 1 runs `select * from e2e_orders` on MariaDB; tab 2 (opened with "+") runs a
// templated generate_series on PostgreSQL with the parameter min = 10 from the 模板参数 dialog,
// pages through 100 rows per page and exports CSV. The tabs survive a reload. 查询日志 lists both
// runs and opens one again in a new tab. Saves docs/screenshots/query-console.png and query-log.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, eventually, fatalErrors, input, launch, pageApi, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

const MARIADB_DB = process.env.ASSETFLOW_E2E_MARIADB_DB || ''
const MARIADB_HOST = process.env.ASSETFLOW_E2E_MARIADB_HOST || '127.0.0.1'
const MARIADB_PORT = Number(process.env.ASSETFLOW_E2E_MARIADB_PORT || '3306')
const MARIA = 'e2e-query-maria'
const PG = 'e2e-query-pg'
const MARIA_SQL = 'select * from e2e_orders'
const PG_SQL = "select g as id, 'row ' || g as name from generate_series(1, 250) g where g > {{ min }}"

let browser
let page
let errors = []

before(async () => {
  if (!BASE) return
  ;({ browser, page, errors } = await launch())
})

after(async () => {
  await browser?.close()
})

/** Calls the API with the page's session; resolves to { status, body }. */
const api = (method, path, body) => pageApi(page, method, path, body)

// The query settings the test expects (the defaults: read-only, 60 s, 10,000 rows).
const QUERY_SETTINGS = { allow_writes: false, query_timeout_seconds: 60, max_rows: 10000 }

/** The id of the datasource `want.name`, created (or brought back to `want`) unless it matches. */
async function ensureDatasource(settings) {
  const want = { ...settings, ...QUERY_SETTINGS }
  const found = await api('GET', `/api/datasources?page=1&page_size=100&keyword=${encodeURIComponent(want.name)}`)
  const existing = (found.body.data || []).find((d) => d.name === want.name)
  const keys = ['type', 'host', 'port', 'database', 'username', ...Object.keys(QUERY_SETTINGS)]
  const same = (d) => keys.every((k) => d[k] === want[k])
  if (existing && same(existing)) return existing.id
  if (existing) {
    const res = await api('PUT', `/api/datasources/${encodeURIComponent(existing.id)}`, {
      ...want,
      params: existing.params || {},
      tls_mode: existing.tls_mode,
    })
    assert.equal(res.status, 200, `updating the datasource ${want.name} failed: ${JSON.stringify(res.body)}`)
    return existing.id
  }
  const res = await api('POST', '/api/datasources', { ...want, password: '' })
  assert.equal(res.status, 201, `creating the datasource ${want.name} failed: ${JSON.stringify(res.body)}`)
  return res.body.data.id
}

/** The query view of the tab that is showing. */
function activeView() {
  return page.locator('[data-test="query-view"]:visible')
}

/** Picks a datasource in the active tab. */
async function pickDatasource(name) {
  await activeView().locator('[data-test="query-datasource"]').click()
  await page.locator(`[data-test="datasource-option-${name}"]:visible`).click()
}

/** Replaces the SQL of the active tab's editor (typed as one insertion, not key by key). */
async function setSql(sql) {
  const editor = activeView().locator('[data-test="query-editor"] .ace_editor')
  await editor.click()
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  await page.keyboard.insertText(sql)
  await page.keyboard.press('Escape') // close the autocompletion popup
  const value = await editor.evaluate((el) => el.env.editor.getValue())
  if (value !== sql) await editor.evaluate((el, text) => el.env.editor.setValue(text, 1), sql)
}

/** Text of a result cell (row and column 0-based, in the page). */
function cell(row, col) {
  return activeView().locator(`[data-test="result-grid"] [data-cell="${row}:${col}"]`)
}

test('query console: tabs, templates, paging, export, query log', { timeout: 180000 }, async (t) => {
  requireEnv()
  assert.ok(
    MARIADB_DB,
    'ASSETFLOW_E2E_MARIADB_DB is not set: it must name a MariaDB database on 127.0.0.1 that holds the table e2e_orders',
  )

  await reportFailures(page, errors, 'query', async () => {
    // 1. Sign in; both datasources exist; the console starts from a single empty tab.
    await page.goto(`${BASE}/login`)
    await signIn(page)
    await page.locator('[data-test="dashboard"]').waitFor()
    await ensureDatasource({
      name: MARIA,
      type: 'mariadb',
      host: MARIADB_HOST,
      port: MARIADB_PORT,
      database: MARIADB_DB,
      username: 'root',
      description: '数据查询浏览器测试使用的 MariaDB 数据源',
    })
    await ensureDatasource({
      name: PG,
      type: 'postgresql',
      host: '127.0.0.1',
      port: 5432,
      database: 'postgres',
      username: 'postgres',
      description: '数据查询浏览器测试使用的 PostgreSQL 数据源',
    })
    await page.evaluate(() => {
      for (const key of Object.keys(localStorage)) if (key.startsWith('assetflow.queryConsole.')) localStorage.removeItem(key)
    })

    // 2. 数据服务 › 数据查询 from the side menu.
    await page.locator('[data-test="menu-dataservice-query"]').click()
    await page.waitForURL((url) => url.pathname === '/dataservice/query')
    await page.locator('[data-test="query-console"]').waitFor()
    await page.locator('[data-test="breadcrumb"]', { hasText: '数据服务' }).waitFor()
    assert.equal(await page.locator('[data-test="query-tab"]').count(), 1)
    await activeView().locator('[data-test="result-empty"]').waitFor()

    // 3. Tab 1: MariaDB, its database picked by itself, `select * from e2e_orders` with Ctrl+Enter.
    await pickDatasource(MARIA)
    await eventually(
      async () => ((await activeView().locator('[data-test="query-database"]').textContent()) || '').trim() === MARIADB_DB,
      { timeout: 15000, message: `the database picker did not select ${MARIADB_DB}` },
    )
    await activeView().locator('[data-test="query-readonly"]').waitFor()
    await setSql(MARIA_SQL)
    await activeView().locator('[data-test="query-editor"] .ace_editor').click()
    await page.keyboard.press('Control+Enter')
    const grid1 = activeView().locator('[data-test="result-grid"]')
    await grid1.waitFor({ timeout: 30000 })
    await grid1.locator('.qr-head__name', { hasText: /^\s*id\s*$/ }).waitFor()
    await grid1.locator('.qr-head__name', { hasText: /^\s*amount\s*$/ }).waitFor()
    const mariaRows = Number(await activeView().locator('[data-test="result-row-count"]').getAttribute('data-count'))
    assert.ok(Number.isInteger(mariaRows), 'the result shows its row count')
    if (mariaRows > 0) await cell(0, 0).waitFor()

    // 4. "+" opens tab 2: PostgreSQL, parameter min = 10 from the dialog, shown as a tag.
    await page.locator('[data-test="query-tab-add"]').click()
    await eventually(async () => (await page.locator('[data-test="query-tab"]').count()) === 2, {
      message: '"+" did not open a second tab',
    })
    await activeView().locator('[data-test="result-empty"]').waitFor()
    await pickDatasource(PG)
    await activeView().locator('[data-test="query-readonly"]').waitFor()
    assert.equal(await activeView().locator('[data-test="query-param-tags"]').count(), 0, 'no parameter tags without parameters')

    await activeView().locator('[data-test="query-params-open"]').click()
    const dialog = page.locator('[data-test="query-params-dialog"]')
    await dialog.waitFor()
    const row = dialog.locator('[data-test="param-row"]').first()
    await input(row, 'param-name').fill('min')
    await row.locator('[data-test="param-type"]').click()
    await page.locator('[data-test="param-type-number"]:visible').click()
    await row.locator('[data-test="param-value"] input').fill('10')
    await row.locator('[data-test="param-value"] input').press('Tab')
    await dialog.locator('[data-test="query-params-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    const tag = activeView().locator('[data-test="query-param-tag-min"]')
    await tag.waitFor()
    assert.match((await tag.textContent()) || '', /min\s*=\s*10/)

    // 5. Run: 100 rows per page starting at 11; the next page starts at 111.
    await setSql(PG_SQL)
    await activeView().locator('[data-test="query-run"]').click()
    const count = activeView().locator('[data-test="result-row-count"]')
    await count.waitFor({ timeout: 30000 })
    await eventually(async () => (await count.getAttribute('data-count')) === '100', { message: 'the first page did not hold 100 rows' })
    assert.equal((await cell(0, 0).textContent())?.trim(), '11')
    assert.equal((await cell(0, 1).textContent())?.trim(), 'row 11')
    await activeView().locator('[data-test="result-page"][data-page="1"]').waitFor()
    await activeView().locator('[data-test="result-next"]').click()
    await activeView().locator('[data-test="result-page"][data-page="2"]').waitFor({ timeout: 30000 })
    await eventually(async () => (await cell(0, 0).textContent())?.trim() === '111', { message: 'page 2 did not start at 111' })
    assert.equal(await count.getAttribute('data-count'), '100')
    assert.ok(await activeView().locator('[data-test="result-prev"]').isEnabled())
    // The SQL that ran, with the parameter rendered.
    assert.match((await activeView().locator('[data-test="result-sql"]').textContent()) || '', /g > 10/)

    // 6. 导出 CSV: the export answers 200 text/csv and the browser downloads the file.
    const download = page.waitForEvent('download', { timeout: 20000 }).catch(() => null)
    const [exportRes] = await Promise.all([
      page.waitForResponse((res) => res.url().includes('/api/dataservice/query/export'), { timeout: 30000 }),
      activeView().locator('[data-test="query-export"]').click(),
    ])
    assert.equal(exportRes.status(), 200, 'the export failed')
    assert.match(exportRes.headers()['content-type'] || '', /text\/csv/)
    const file = await download
    if (file) assert.match(file.suggestedFilename(), /\.csv$/)
    else t.diagnostic('no download event was seen; the export answered 200 text/csv')
    await page.waitForTimeout(300)
    await screenshot(page, 'query-console.png')

    // 7. A reload keeps both tabs with their datasource, SQL and parameters.
    await page.reload()
    await page.locator('[data-test="query-console"]').waitFor()
    await eventually(async () => (await page.locator('[data-test="query-tab"]').count()) === 2, {
      message: 'the tabs did not survive a reload',
    })
    await activeView().locator('[data-test="query-param-tag-min"]').waitFor()
    const kept = await activeView()
      .locator('[data-test="query-editor"] .ace_editor')
      .evaluate((el) => el.env.editor.getValue())
    assert.equal(kept, PG_SQL)

    // 8. 查询日志: both runs, one per datasource.
    await page.locator('[data-test="menu-dataservice-query-log"]').click()
    await page.waitForURL((url) => url.pathname === '/dataservice/query-log')
    const table = page.locator('[data-test="query-log-table"]')
    await table.waitFor()
    const logRow = (name, sql) =>
      table
        .locator('.el-table__body tr')
        .filter({ has: page.locator('[data-test="query-log-datasource"]', { hasText: name }) })
        .filter({ has: page.locator('[data-test="query-log-sql"]', { hasText: sql }) })
        .filter({ has: page.locator('[data-test="query-log-status"][data-status="succeeded"]') })
        .first()
    await eventually(
      async () => {
        if ((await logRow(MARIA, 'e2e_orders').isVisible()) && (await logRow(PG, 'generate_series').isVisible())) return true
        await page.locator('[data-test="query-log-refresh"]').click()
        await page.waitForTimeout(400)
        return false
      },
      { timeout: 20000, interval: 800, message: 'the query log did not list both runs' },
    )
    await page.waitForTimeout(300)
    await screenshot(page, 'query-log.png')

    // 9. 在新标签页打开 brings the MariaDB query back in a third tab.
    await logRow(MARIA, 'e2e_orders').locator('[data-test="query-log-open"]').click()
    await page.waitForURL((url) => url.pathname === '/dataservice/query')
    await eventually(async () => (await page.locator('[data-test="query-tab"]').count()) === 3, {
      message: 'the log entry did not open in a new tab',
    })
    const reopened = await activeView()
      .locator('[data-test="query-editor"] .ace_editor')
      .evaluate((el) => el.env.editor.getValue())
    assert.equal(reopened, MARIA_SQL)

    assert.deepEqual(fatalErrors(errors), [], 'the page raised uncaught errors')
  })
})
