// The walk: every module of the console, in the order a user would visit them, against a freshly
// started server with the demo workspace (scripts/browser-test.sh starts one that way).
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... node --test webui/e2e/walk.test.mjs
//
// Waits (through the API) until the demo workspace is complete — its last step sets the analyst's
// row filter — then, as admin: dashboard with the demo banner; 数据总览 filtered to fact_sales and
// its page; 业务数据查看 of demo_dw with one table collected; 数据查询 in two tabs (one with a
// {{ }} template parameter) and a CSV export; 查询日志; the report API sales_daily_summary tried
// from its page and called from Node; the column-level lineage of fact_sales; the failing demo
// quality rule run with its samples; a whole-database sync task demo_ops → demo_dw created, run
// and succeeded; 权限检查 of analyst on customers.phone (masked). Signs out, signs in as the demo
// analyst and sees masked phone numbers in 数据查询; signs in as admin again and visits 服务器信息,
// 在线用户 and 操作日志. Saves docs/screenshots/walk-NN-*.png (1440×900) along the way.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, PASSWORD, USERNAME, eventually, fatalErrors, input, launch, pageApi, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

const ANALYST = 'analyst'
const ANALYST_PASSWORD = 'Analyst-Demo-1'
const DW = 'demo_dw'
const OPS = 'demo_ops'
const OPS_DB = 'assetflow_demo_ops'
const REPORT = 'sales_daily_summary'
const FAILING_RULE = '演示：客户邮箱空值率 ≤ 1%'
const SYNC_SCHEMA = 'ods_walk'

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

const api = (method, path, body) => pageApi(page, method, path, body)

/** Signs in through the API from Node; resolves to the token. */
async function nodeToken(username, password) {
  const res = await fetch(`${BASE}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  const body = await res.json().catch(() => ({}))
  assert.equal(res.status, 200, `signing in as ${username} through the API failed: ${JSON.stringify(body)}`)
  return body.data.token
}

/** Waits until the demo workspace is complete: its last step sets a row filter. */
async function waitForDemo() {
  const token = await nodeToken(USERNAME, PASSWORD)
  const get = async (path) => {
    const res = await fetch(`${BASE}${path}`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } })
    return { status: res.status, body: await res.json().catch(() => ({})) }
  }
  try {
    await eventually(
      async () => {
        const res = await get('/api/access/row-filters')
        return res.status === 200 && Array.isArray(res.body.data) && res.body.data.length > 0
      },
      { timeout: 180000, interval: 2000, message: 'the demo workspace was not ready within 180 s (no row filter)' },
    )
  } catch (err) {
    // What the demo got to, for the report (its own error is in the server log: "demo stopped").
    const demo = await get('/api/system/demo').catch(() => ({}))
    const ds = await get('/api/datasources?page=1&page_size=100').catch(() => ({}))
    err.message += `; GET /api/system/demo: ${JSON.stringify(demo.body?.data)}; datasources: ${JSON.stringify((ds.body?.data || []).map((d) => d.name))}`
    throw err
  }
}

/** The query view of the tab that is showing. */
const activeView = () => page.locator('[data-test="query-view"]:visible')

/** Replaces the SQL of the active query tab's editor. */
async function setSql(sql) {
  const editor = activeView().locator('[data-test="query-editor"] .ace_editor')
  await editor.click()
  await editor.evaluate((el, text) => el.env.editor.setValue(text, 1), sql)
  assert.equal(await editor.evaluate((el) => el.env.editor.getValue()), sql)
}

/** Picks a datasource in the active query tab. */
async function pickQueryDatasource(name) {
  await activeView().locator('[data-test="query-datasource"]').click()
  await page.locator(`[data-test="datasource-option-${name}"]:visible`).click()
  await activeView().locator('[data-test="query-readonly"]').waitFor()
}

/** Text of a result cell of the active query tab (row and column 0-based). */
const cell = (row, col) => activeView().locator(`[data-test="result-grid"] [data-cell="${row}:${col}"]`)

/** Clears the saved query tabs so that the console starts from one empty tab. */
async function resetQueryTabs() {
  await page.evaluate(() => {
    for (const key of Object.keys(localStorage)) if (key.startsWith('assetflow.queryConsole.')) localStorage.removeItem(key)
  })
}

/** Signs out from the header's user menu (confirming the dialog). */
async function signOut() {
  await page.locator('[data-test="user-menu"]').click()
  await page.locator('[data-test="menu-logout"]:visible').click()
  await page.locator('.el-message-box__btns .el-button--primary').click()
  await page.waitForURL((url) => url.pathname === '/login')
  await page.locator('[data-test="login-form"]').waitFor()
}

test('walk: every module with the demo workspace', { timeout: 600000 }, async (t) => {
  requireEnv()
  await waitForDemo()

  await reportFailures(page, errors, 'walk', async () => {
    // 01. The login page, then the dashboard with the demo banner.
    await page.goto(`${BASE}/login`)
    await page.locator('[data-test="login-form"]').waitFor()
    await input(page, 'login-username').fill(USERNAME)
    await screenshot(page, 'walk-01-login.png')
    await signIn(page)
    const dashboard = page.locator('[data-test="dashboard"]')
    await dashboard.waitFor()
    await page.locator('[data-test="demo-banner"]').waitFor()
    await page.locator('[data-test="chart-trend"] canvas, [data-test="chart-trend"] .el-empty').first().waitFor()
    await page.waitForTimeout(1200) // the charts' entry animation
    await screenshot(page, 'walk-02-dashboard.png')

    const list = await api('GET', '/api/datasources?page=1&page_size=100')
    const dw = (list.body.data || []).find((d) => d.name === DW)
    assert.ok(dw, `the demo datasource ${DW} is missing: ${JSON.stringify((list.body.data || []).map((d) => d.name))}`)
    assert.ok(
      (list.body.data || []).some((d) => d.name === OPS),
      `the demo datasource ${OPS} is missing (is MariaDB up?)`,
    )

    // 03. 元数据 › 数据总览: filter by name, open fact_sales.
    await page.locator('[data-test="menu-catalog-tables"]').click()
    await page.waitForURL((url) => url.pathname === '/catalog/tables')
    await page.locator('[data-test="catalog-table"]').waitFor()
    await input(page, 'filter-name').fill('fact_sales')
    await page.locator('[data-test="catalog-search"]').click()
    await page.waitForURL((url) => url.searchParams.get('name') === 'fact_sales')
    const factRow = page
      .locator('[data-test="catalog-table"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="catalog-table-name"]', { hasText: /^\s*fact_sales\s*$/ }) })
      .first()
    await factRow.waitFor({ timeout: 15000 })
    assert.match((await factRow.textContent()) || '', new RegExp(DW))
    await eventually(
      async () => (await page.locator('[data-test="catalog-table"] [data-test="catalog-table-name"]').allTextContents()).every((n) => /fact_sales/.test(n)),
      { message: 'the filter left tables other than fact_sales' },
    )
    await page.waitForTimeout(300)
    await screenshot(page, 'walk-03-catalog-tables.png')

    await factRow.locator('[data-test="catalog-table-name"]').click()
    await page.waitForURL((url) => url.pathname.startsWith('/catalog/tables/table-'))
    const detail = page.locator('[data-test="catalog-detail"]')
    await detail.locator('[data-test="detail-name"]', { hasText: 'fact_sales' }).waitFor()
    await detail.locator('[data-test="detail-comment"]', { hasText: '销售事实表' }).waitFor()
    const columns = detail.locator('[data-test="catalog-columns"]')
    for (const c of ['date', 'store_id', 'order_id', 'amount']) {
      await columns.locator('[data-test="catalog-column-name"]', { hasText: new RegExp(`^\\s*${c}\\s*$`) }).waitFor()
    }
    await page.waitForTimeout(300)
    await screenshot(page, 'walk-04-table-detail.png')

    // 05. 元数据 › 业务数据查看: demo_dw's tables live, collect stores.
    await page.locator('[data-test="menu-catalog-browse"]').click()
    await page.waitForURL((url) => url.pathname === '/catalog/browse')
    await page.locator('[data-test="browse-datasource"]').click()
    await page.locator(`[data-test="datasource-option-${DW}"]:visible`).click()
    // PostgreSQL datasources list the tables of every schema (no database picker).
    await page.locator('[data-test="browse-table-count"]').waitFor({ timeout: 20000 })
    const storesRow = page
      .locator('[data-test="browse-tables"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="browse-table-name"]', { hasText: /^\s*stores\s*$/ }) })
      .first()
    await storesRow.waitFor({ timeout: 20000 })
    for (const name of ['customers', 'fact_sales', 'rpt_sales_monthly']) {
      await page.locator('[data-test="browse-table-name"]', { hasText: new RegExp(`^\\s*${name}\\s*$`) }).first().waitFor()
    }
    await storesRow.locator('[data-test="collect-table"]').click()
    const run = page.locator('[data-test="collect-run"]')
    await run.waitFor()
    await eventually(
      async () => {
        const status = await run.getAttribute('data-status')
        if (status === 'failed') throw new Error(`the collection failed: ${(await run.textContent())?.trim()}`)
        return status === 'succeeded'
      },
      { timeout: 60000, interval: 500, message: 'the collection of stores did not succeed' },
    )
    await storesRow.locator('[data-test="browse-in-catalog"]').waitFor({ timeout: 15000 })
    await page.waitForTimeout(400)
    await screenshot(page, 'walk-05-browse-collect.png')

    // 06. 数据服务 › 数据查询: tab 1 plain SQL, tab 2 with a {{ }} parameter, export CSV.
    await resetQueryTabs()
    await page.locator('[data-test="menu-dataservice-query"]').click()
    await page.waitForURL((url) => url.pathname === '/dataservice/query')
    await page.locator('[data-test="query-console"]').waitFor()
    await eventually(async () => (await page.locator('[data-test="query-tab"]').count()) === 1, { message: 'the console did not start with one tab' })
    await pickQueryDatasource(DW)
    await setSql('select id, name, region from stores order by id')
    await activeView().locator('[data-test="query-run"]').click()
    const grid1 = activeView().locator('[data-test="result-grid"]')
    await grid1.waitFor({ timeout: 30000 })
    await grid1.locator('.qr-head__name', { hasText: /^\s*region\s*$/ }).waitFor()
    await eventually(async () => Number(await activeView().locator('[data-test="result-row-count"]').getAttribute('data-count')) > 0, {
      timeout: 20000,
      message: 'the stores query returned no rows',
    })

    await page.locator('[data-test="query-tab-add"]').click()
    await eventually(async () => (await page.locator('[data-test="query-tab"]').count()) === 2, { message: '"+" did not open a second tab' })
    await activeView().locator('[data-test="result-empty"]').waitFor()
    await pickQueryDatasource(DW)
    await activeView().locator('[data-test="query-params-open"]').click()
    const dialog = page.locator('[data-test="query-params-dialog"]')
    await dialog.waitFor()
    const paramRow = dialog.locator('[data-test="param-row"]').first()
    await input(paramRow, 'param-name').fill('maxId')
    await paramRow.locator('[data-test="param-type"]').click()
    await page.locator('[data-test="param-type-number"]:visible').click()
    await paramRow.locator('[data-test="param-value"] input').fill('5')
    await paramRow.locator('[data-test="param-value"] input').press('Tab')
    await dialog.locator('[data-test="query-params-save"]').click()
    await dialog.waitFor({ state: 'hidden' })
    await activeView().locator('[data-test="query-param-tag-maxId"]').waitFor()
    await setSql('select id, sku, name, price from products where id <= {{ maxId }} order by id')
    await activeView().locator('[data-test="query-run"]').click()
    const count2 = activeView().locator('[data-test="result-row-count"]')
    await count2.waitFor({ timeout: 30000 })
    await eventually(async () => (await count2.getAttribute('data-count')) === '5', { timeout: 20000, message: 'the templated query did not return 5 rows' })
    assert.equal((await cell(0, 0).textContent())?.trim(), '1')
    assert.match((await activeView().locator('[data-test="result-sql"]').textContent()) || '', /id <= 5/)

    const download = page.waitForEvent('download', { timeout: 20000 }).catch(() => null)
    const [exportRes] = await Promise.all([
      page.waitForResponse((res) => res.url().includes('/api/dataservice/query/export'), { timeout: 30000 }),
      activeView().locator('[data-test="query-export"]').click(),
    ])
    assert.equal(exportRes.status(), 200, 'the CSV export failed')
    assert.match(exportRes.headers()['content-type'] || '', /text\/csv/)
    const file = await download
    if (file) assert.match(file.suggestedFilename(), /\.csv$/)
    else t.diagnostic('no download event was seen; the export answered 200 text/csv')
    await page.waitForTimeout(300)
    await screenshot(page, 'walk-06-query.png')

    // 07. 查询日志: both runs.
    await page.locator('[data-test="menu-dataservice-query-log"]').click()
    await page.waitForURL((url) => url.pathname === '/dataservice/query-log')
    const logTable = page.locator('[data-test="query-log-table"]')
    await logTable.waitFor()
    const logRow = (sql) =>
      logTable
        .locator('.el-table__body tr')
        .filter({ has: page.locator('[data-test="query-log-datasource"]', { hasText: DW }) })
        .filter({ has: page.locator('[data-test="query-log-sql"]', { hasText: sql }) })
        .filter({ has: page.locator('[data-test="query-log-status"][data-status="succeeded"]') })
        .first()
    await eventually(
      async () => {
        if ((await logRow('from stores').isVisible()) && (await logRow('from products').isVisible())) return true
        await page.locator('[data-test="query-log-refresh"]').click()
        await page.waitForTimeout(400)
        return false
      },
      { timeout: 20000, interval: 800, message: 'the query log did not list both runs' },
    )
    await page.waitForTimeout(300)
    await screenshot(page, 'walk-07-query-log.png')

    // 08. 数据服务 › 报表接口: sales_daily_summary, 试运行 with January 2025.
    await page.locator('[data-test="menu-dataservice-interfaces"]').click()
    await page.waitForURL((url) => url.pathname === '/dataservice/interfaces')
    const ifaceRow = page
      .locator('[data-test="interface-table"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="interface-code"]', { hasText: REPORT }) })
      .first()
    await ifaceRow.waitFor({ timeout: 15000 })
    await ifaceRow.locator('[data-test="interface-code"]').click()
    await page.waitForURL((url) => url.pathname === `/dataservice/interfaces/${REPORT}`)
    const ifaceDetail = page.locator('[data-test="interface-detail"]')
    await ifaceDetail.locator('[data-test="detail-code"]', { hasText: REPORT }).waitFor()
    await ifaceDetail.locator('.head [data-test="interface-status"][data-status="active"]').waitFor()
    await ifaceDetail.locator('[data-test="detail-tabs"] .el-tabs__item', { hasText: '试运行' }).click()
    const tryRun = page.locator('[data-test="try-run"]')
    await tryRun.waitFor()
    for (const [name, value] of [
      ['startDate', '2025-01-01'],
      ['endDate', '2025-01-31'],
    ]) {
      const box = tryRun.locator(`[data-test="try-param-${name}"] input`).first()
      await box.click()
      await box.fill(value)
      await box.press('Enter')
      await page.keyboard.press('Escape')
      await eventually(async () => (await box.inputValue()) === value, { message: `${name} did not take ${value}` })
    }
    await tryRun.locator('[data-test="try-run-run"]').click()
    const tryResult = tryRun.locator('[data-test="try-run-result"]')
    await tryResult.waitFor({ timeout: 30000 })
    await eventually(async () => Number(await tryResult.locator('[data-test="try-run-rows"]').getAttribute('data-count')) > 0, {
      timeout: 20000,
      message: 'the try run of sales_daily_summary returned no rows',
    })
    await tryResult.locator('[data-test="result-table"] .el-table__body tr').first().waitFor()
    assert.match((await tryResult.locator('[data-test="result-table"] .el-table__body').textContent()) || '', /2025-01-/)
    await page.waitForTimeout(400)
    await screenshot(page, 'walk-08-report-try-run.png')

    // 09. The public report API, called from Node.
    const apiRes = await fetch(`${BASE}/data-api/${REPORT}?startDate=2025-01-01&endDate=2025-01-31`, { headers: { Accept: 'application/json' } })
    const apiBody = await apiRes.json().catch(() => ({}))
    assert.equal(apiRes.status, 200, `GET /data-api/${REPORT} answered ${apiRes.status}: ${JSON.stringify(apiBody).slice(0, 500)}`)
    assert.equal(apiBody.success, true)
    assert.ok(Array.isArray(apiBody.data) && apiBody.data.length > 0, `the report API returned no rows: ${JSON.stringify(apiBody).slice(0, 500)}`)
    assert.ok(
      apiBody.data.every((r) => 'date' in r && 'store_id' in r && 'total_amount' in r && 'order_count' in r),
      'the rows lack the report fields',
    )
    assert.ok(apiBody.data.every((r) => String(r.date).startsWith('2025-01-')), 'a row falls outside January 2025')

    // 10. 数据血缘: fact_sales, then the column level shows a column edge from stg_orders.
    await page.locator('[data-test="menu-lineage-graph"]').click()
    await page.waitForURL((url) => url.pathname === '/lineage')
    const node = `${DW}.public.fact_sales`
    await input(page, 'lineage-node-input').fill(node)
    await page.locator('[data-test="lineage-query"]').click()
    await page.locator('[data-test="lineage-chart"] canvas').first().waitFor({ timeout: 20000 })
    const listed = async () =>
      new Set(
        await page
          .locator('[data-test="lineage-node-list"] [data-test="lineage-node-id"]')
          .evaluateAll((els) => els.map((el) => el.getAttribute('data-node'))),
      )
    await eventually(
      async () => {
        const ids = await listed()
        return ids.has(node) && ids.has(`${DW}.public.stg_orders`) && ids.has(`${DW}.public.rpt_sales_monthly`)
      },
      { timeout: 15000, message: 'the table-level lineage of fact_sales lacks stg_orders or rpt_sales_monthly' },
    )
    const columnGraph = page.waitForResponse(
      (res) => res.url().includes('/api/lineage/graph') && res.url().includes('level=column'),
      { timeout: 20000 },
    )
    await page.locator('[data-test="lineage-level"] label', { hasText: '字段' }).click()
    const graphRes = await columnGraph
    assert.equal(graphRes.status(), 200)
    const graph = (await graphRes.json()).data
    const edge = (graph.edges || []).find((e) => e.from === `${DW}.public.stg_orders.amount` && e.to === `${DW}.public.fact_sales.amount`)
    assert.ok(edge, `no column edge stg_orders.amount → fact_sales.amount: ${JSON.stringify((graph.edges || []).slice(0, 10))}`)
    await page.waitForURL((url) => url.searchParams.get('level') === 'column')
    await eventually(
      async () => {
        const ids = await listed()
        return ids.has(`${DW}.public.fact_sales.amount`) && ids.has(`${DW}.public.stg_orders.amount`)
      },
      { timeout: 15000, message: 'the column-level node list lacks fact_sales.amount or stg_orders.amount' },
    )
    await page.locator(`[data-test="lineage-node-id"][data-node="${DW}.public.stg_orders.amount"]`).click()
    await page.locator('[data-test="lineage-node-panel"] [data-test="lineage-selected"]', { hasText: 'stg_orders.amount' }).waitFor()
    // Clicking in the node list scrolled the page down: back to the graph for the picture.
    await page.locator('[data-test="lineage-page"]').evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await page.waitForTimeout(800)
    await screenshot(page, 'walk-09-lineage-columns.png')

    // 11. 数据质量: run the failing demo rule, see the failure and its samples.
    await page.locator('[data-test="menu-quality-rules"]').click()
    await page.waitForURL((url) => url.pathname === '/quality/rules')
    const ruleRow = page.locator('[data-test="quality-table"] .el-table__row', { hasText: FAILING_RULE }).first()
    await ruleRow.waitFor({ timeout: 15000 })
    await ruleRow.locator('[data-test="quality-run"]').click()
    const outcome = page.locator('[data-test="quality-outcome"]')
    await outcome.locator('[data-test="quality-status-failed"]').waitFor({ timeout: 30000 })
    const metric = Number(((await outcome.locator('[data-test="check-metric"]').textContent()) || '').trim())
    assert.ok(metric > 0.01, `the email null rate should exceed 1%, got ${metric}`)
    await outcome.locator('[data-test="check-samples"] .el-table__row').first().waitFor()
    await page.waitForTimeout(400)
    await screenshot(page, 'walk-10-quality-failed.png')
    await page.keyboard.press('Escape')
    await outcome.locator('[data-test="check-result"]').waitFor({ state: 'hidden' }).catch(() => {})

    // 12. 数据集成 › 整库同步: demo_ops → demo_dw.ods_walk, full, upsert (a rerun finds the tables); run it until it succeeds.
    await page.locator('[data-test="menu-integration-tasks"]').click()
    await page.waitForURL((url) => url.pathname === '/dataintegration')
    await page.locator('[data-test="scope-whole_database"]').click()
    const form = page.locator('[data-test="integration-task-form"]')
    await form.waitFor()
    const taskName = `walk 整库同步 ${Date.now()}`
    await input(page, 'task-name').fill(taskName)
    await form.locator('[data-test="task-source"]').first().click()
    await page.locator(`[data-test="datasource-option-${OPS}"]:visible`).click()
    await form.locator('[data-test="task-databases"]').first().click()
    await page.locator(`[data-test="db-option-${OPS_DB}"]:visible`).click()
    await page.keyboard.press('Escape')
    await form.locator('[data-test="task-target"]').first().click()
    await page.locator(`[data-test="datasource-option-${DW}"]:visible`).click()
    await input(page, 'task-target-db').fill(SYNC_SCHEMA)
    await form.locator('[data-test="task-mode"] label', { hasText: '全量' }).click()
    await form.locator('[data-test="task-write-mode"] label', { hasText: '按主键更新' }).click()
    await page.waitForTimeout(300)
    await screenshot(page, 'walk-11-integration-form.png')
    await form.locator('[data-test="task-save"]').click()
    await page.waitForURL((url) => /^\/dataintegration\/tasks\/synctask-/.test(url.pathname), { timeout: 20000 })
    await page.locator('[data-test="integration-task"] [data-test="task-run"]').click()
    await page.waitForURL((url) => /^\/dataintegration\/runs\/syncrun-/.test(url.pathname))
    await page.locator('[data-test="run-progress"]').waitFor()
    await eventually(
      async () => {
        if ((await page.locator('[data-test="sync-status-failed"]').count()) > 0) {
          throw new Error(`the sync run failed: ${(await page.locator('main').textContent())?.slice(0, 600)}`)
        }
        return (await page.locator('[data-test="sync-status-succeeded"]').count()) > 0
      },
      { timeout: 90000, interval: 1000, message: 'the sync run did not succeed' },
    )
    const written = Number(((await page.locator('[data-test="run-rows-written"]').innerText()) || '').replace(/[^\d]/g, ''))
    assert.ok(written > 0, `the sync run wrote ${written} rows`)
    await page.locator('[data-test="run-tables"]', { hasText: 'customers' }).waitFor()
    await page.locator('[data-test="run-tables"]', { hasText: 'orders' }).waitFor()
    await page.waitForTimeout(400)
    await screenshot(page, 'walk-12-integration-run.png')

    // 13. 数据权限 › 权限检查: analyst on demo_dw customers.phone is allowed and masked.
    await page.locator('[data-test="menu-access-explain"]').click()
    await page.waitForURL((url) => url.pathname === '/access/explain')
    const explain = page.locator('[data-test="access-explain"]')
    await explain.waitFor()
    await explain.locator('[data-test="explain-user"]').click()
    await input(page, 'explain-user').fill(ANALYST)
    await page.locator(`[data-test="explain-user-option-${ANALYST}"]:visible`).click()
    await input(page, 'explain-object-path').fill(`${dw.id}.public.customers.phone`)
    await explain.locator('[data-test="explain-submit"]').click()
    const verdict = explain.locator('[data-test="explain-verdict"]')
    await verdict.waitFor({ timeout: 15000 })
    assert.equal(await verdict.getAttribute('data-allowed'), 'true', 'the analyst may query customers.phone')
    const mask = explain.locator('[data-test="explain-mask"]')
    await mask.waitFor()
    assert.equal(await mask.getAttribute('data-mask'), 'partial')
    await explain.locator('[data-test="explain-grant"]').waitFor()
    await page.waitForTimeout(300)
    await screenshot(page, 'walk-13-access-explain.png')
    assert.deepEqual(fatalErrors(errors), [], 'the admin pages raised uncaught errors')

    // 14. Sign out; as the demo analyst the phone numbers come back masked.
    await signOut()
    await signIn(page, { username: ANALYST, password: ANALYST_PASSWORD })
    await resetQueryTabs()
    await page.locator('[data-test="menu-dataservice-query"]').click()
    await page.waitForURL((url) => url.pathname === '/dataservice/query')
    await page.locator('[data-test="query-console"]').waitFor()
    await pickQueryDatasource(DW)
    await setSql('select name, phone from customers limit 5')
    await activeView().locator('[data-test="query-run"]').click()
    const grid = activeView().locator('[data-test="result-grid"]')
    await grid.waitFor({ timeout: 30000 })
    await grid.locator('.qr-head__name', { hasText: /^\s*phone\s*$/ }).waitFor()
    const count = activeView().locator('[data-test="result-row-count"]')
    await eventually(async () => (await count.getAttribute('data-count')) === '5', { timeout: 20000, message: 'the analyst did not get 5 customers' })
    const phones = []
    for (let r = 0; r < 5; r++) phones.push(((await cell(r, 1).textContent()) || '').trim())
    assert.ok(
      phones.every((p) => p.startsWith('****') && /\d{4}$/.test(p) && !/^1\d{10}$/.test(p)),
      `the analyst sees unmasked phone numbers: ${JSON.stringify(phones)}`,
    )
    await page.waitForTimeout(300)
    await screenshot(page, 'walk-14-analyst-masked.png')

    // 15. Back as admin: 系统监控 › 服务器信息, 在线用户, 操作日志.
    await signOut()
    await signIn(page)
    await page.locator('[data-test="menu-monitor-server"]').click()
    await page.waitForURL((url) => url.pathname === '/monitor/server')
    await page.locator('[data-test="monitor-server"]').waitFor()
    await eventually(
      async () => /\d/.test((await page.locator('[data-test="gauge-cpu"] [data-test="gauge-value"]').textContent()) || ''),
      { timeout: 15000, message: 'the CPU gauge shows no number' },
    )
    await page.locator('[data-test="replicas-table"] [data-test="replica-alive"]').first().waitFor({ timeout: 20000 })
    await page.locator('[data-test="chart-live"] canvas').first().waitFor()
    await page.waitForTimeout(1200)
    await screenshot(page, 'walk-15-monitor-server.png')

    await page.locator('[data-test="menu-monitor-online"]').click()
    await page.waitForURL((url) => url.pathname === '/monitor/online')
    const ownRow = page
      .locator('[data-test="online-table"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="own-session-tag"]') })
      .first()
    await ownRow.waitFor()
    assert.match((await ownRow.textContent()) || '', new RegExp(USERNAME))
    await page.waitForTimeout(300)
    await screenshot(page, 'walk-16-monitor-online.png')

    await page.locator('[data-test="menu-operation-logs"]').click()
    await page.waitForURL((url) => url.pathname === '/monitor/operation-logs')
    const oplog = page.locator('[data-test="oplog-table"]')
    await oplog.waitFor()
    await eventually(
      async () => {
        if ((await oplog.locator('.el-table__body tr').count()) > 0) return true
        await page.locator('[data-test="oplog-refresh"]').click()
        await page.waitForTimeout(400)
        return false
      },
      { timeout: 15000, interval: 800, message: 'the operation log is empty' },
    )
    await page.waitForTimeout(300)
    await screenshot(page, 'walk-17-operation-logs.png')

    assert.deepEqual(fatalErrors(errors), [], 'the pages raised uncaught errors')
  })
})
