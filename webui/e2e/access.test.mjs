// Browser test of data permissions (数据权限) against a running AssetFlow server and a MariaDB on
// 127.0.0.1:3306 (user root, no password) holding a database with the table e2e_orders(id, amount).
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... \
//   ASSETFLOW_E2E_MARIADB_DB=af_e2e_... node --test webui/e2e/
//
// As admin, through the API: makes sure the datasource e2e-access exists, creates the table
// e2e_hidden in the scratch database (through the query console, writes allowed only for that
// statement), collects the catalog, makes sure the user e2e_analyst (role analyst) exists, grants
// them query on e2e_orders and masks e2e_orders.amount with "full". In the browser as admin:
// 授权管理 lists the grant; 权限检查 explains e2e_analyst on the amount column as allowed and masked.
// As e2e_analyst: the query console shows the ids and **** for the amounts; 数据总览 lists e2e_orders
// and not the ungranted e2e_hidden. Saves docs/screenshots/access-grants.png and access-explain.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, eventually, fatalErrors, input, launch, pageApi, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

const MARIADB_DB = process.env.ASSETFLOW_E2E_MARIADB_DB || ''
const MARIADB_HOST = process.env.ASSETFLOW_E2E_MARIADB_HOST || '127.0.0.1'
const MARIADB_PORT = Number(process.env.ASSETFLOW_E2E_MARIADB_PORT || '3306')
// Its own datasource: the other tests change or delete theirs.
const NAME = 'e2e-access'
const TABLE = 'e2e_orders'
const HIDDEN = 'e2e_hidden'
const ANALYST = 'e2e_analyst'
const ANALYST_PASSWORD = 'E2e-Analyst-Pass-1'
const SQL = `select id, amount from ${TABLE}`

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

/** Calls the API with the admin page's session; resolves to { status, body }. */
const api = (method, path, body) => pageApi(page, method, path, body)

const QUERY_SETTINGS = { query_timeout_seconds: 60, max_rows: 10000 }

/** Puts the datasource NAME in the wanted shape (created unless it exists); returns its id. */
async function ensureDatasource(allowWrites) {
  const want = {
    name: NAME,
    type: 'mariadb',
    host: MARIADB_HOST,
    port: MARIADB_PORT,
    database: MARIADB_DB,
    username: 'root',
    description: '数据权限浏览器测试使用的 MariaDB 数据源',
    allow_writes: allowWrites,
    ...QUERY_SETTINGS,
  }
  const found = await api('GET', `/api/datasources?page=1&page_size=100&keyword=${encodeURIComponent(NAME)}`)
  const existing = (found.body.data || []).find((d) => d.name === NAME)
  if (existing) {
    const res = await api('PUT', `/api/datasources/${encodeURIComponent(existing.id)}`, {
      ...want,
      params: existing.params || {},
      tls_mode: existing.tls_mode,
    })
    assert.equal(res.status, 200, `updating the datasource failed: ${JSON.stringify(res.body)}`)
    return existing.id
  }
  const res = await api('POST', '/api/datasources', { ...want, password: '' })
  assert.equal(res.status, 201, `creating the datasource failed: ${JSON.stringify(res.body)}`)
  return res.body.data.id
}

/** Collects the scratch database's metadata and waits for the run to finish. */
async function collect(datasourceId) {
  let res
  await eventually(
    async () => {
      res = await api('POST', '/api/catalog/collect', { datasource_id: datasourceId, database: MARIADB_DB })
      return res.status !== 409 // a run of this datasource is still going: try again
    },
    { timeout: 30000, interval: 1000, message: 'a collection of the datasource kept running' },
  )
  assert.ok(res.status >= 200 && res.status < 300, `collecting failed: ${JSON.stringify(res.body)}`)
  const runId = res.body.data.run_id
  const run = await eventually(
    async () => {
      const r = await api('GET', `/api/catalog/runs/${encodeURIComponent(runId)}`)
      return r.body.data && r.body.data.status !== 'running' ? r.body.data : null
    },
    { timeout: 60000, interval: 500, message: 'the collection run did not finish' },
  )
  assert.equal(run.status, 'succeeded', `the collection run failed: ${JSON.stringify(run)}`)
}

/** Makes sure the user ANALYST exists with the role analyst and the password ANALYST_PASSWORD. */
async function ensureAnalyst() {
  const found = await api('GET', `/api/system/users?page=1&page_size=100&keyword=${encodeURIComponent(ANALYST)}`)
  const existing = (found.body.data || []).find((u) => u.username === ANALYST)
  if (!existing) {
    const res = await api('POST', '/api/system/users', { username: ANALYST, password: ANALYST_PASSWORD, roles: ['analyst'] })
    assert.equal(res.status, 201, `creating ${ANALYST} failed: ${JSON.stringify(res.body)}`)
    return
  }
  const id = encodeURIComponent(existing.id)
  if (existing.status === 'disabled') await api('POST', `/api/system/users/${id}/enable`)
  const roles = await api('PUT', `/api/system/users/${id}`, { displayName: existing.displayName, email: existing.email, roles: ['analyst'] })
  assert.equal(roles.status, 200, `setting the roles of ${ANALYST} failed: ${JSON.stringify(roles.body)}`)
  const pw = await api('POST', `/api/system/users/${id}/reset-password`, { password: ANALYST_PASSWORD })
  assert.ok(pw.status === 200 || pw.status === 204, `resetting the password of ${ANALYST} failed: ${JSON.stringify(pw.body)}`)
}

/** The grants of ANALYST under an object path (prefix). */
async function analystGrants(object) {
  const q = new URLSearchParams({ subject_type: 'user', subject: ANALYST, object, page: '1', page_size: '500' })
  const res = await api('GET', `/api/access/grants?${q}`)
  assert.equal(res.status, 200, `listing grants failed: ${JSON.stringify(res.body)}`)
  return res.body.data || []
}

/** Leaves ANALYST with exactly one grant under the datasource: allow query on the table. */
async function grantQuery(datasourceId, tablePath) {
  for (const g of await analystGrants(datasourceId)) {
    if (g.object === tablePath && g.privilege === 'query' && g.effect === 'allow' && !g.expires_at) continue
    const res = await api('DELETE', `/api/access/grants/${encodeURIComponent(g.id)}`)
    assert.equal(res.status, 200, `revoking an old grant failed: ${JSON.stringify(res.body)}`)
  }
  const kept = (await analystGrants(datasourceId)).find((g) => g.object === tablePath)
  if (kept) return kept.id
  const res = await api('POST', '/api/access/grants', {
    subject_type: 'user',
    subject: ANALYST,
    object: tablePath,
    privilege: 'query',
    effect: 'allow',
  })
  assert.equal(res.status, 201, `granting query on ${tablePath} failed: ${JSON.stringify(res.body)}`)
  return res.body.data.id
}

/** Masks a column with "full" (replacing an earlier mask of it). */
async function maskFull(datasourceId, columnPath) {
  const list = await api('GET', `/api/access/masks?datasource_id=${encodeURIComponent(datasourceId)}`)
  assert.equal(list.status, 200, `listing masks failed: ${JSON.stringify(list.body)}`)
  const existing = (list.body.data || []).find((m) => m.object === columnPath)
  if (existing && existing.mask === 'full') return
  if (existing) await api('DELETE', `/api/access/masks/${encodeURIComponent(existing.id)}`)
  const res = await api('POST', '/api/access/masks', { object: columnPath, mask: 'full' })
  assert.equal(res.status, 201, `masking ${columnPath} failed: ${JSON.stringify(res.body)}`)
}

test('data permissions: grant, mask, explain; the analyst sees masked values and only granted tables', { timeout: 240000 }, async () => {
  requireEnv()
  assert.ok(
    MARIADB_DB,
    'ASSETFLOW_E2E_MARIADB_DB is not set: it must name a MariaDB database on 127.0.0.1 that holds the table e2e_orders',
  )

  await reportFailures(page, errors, 'access', async () => {
    // 1. Sign in as admin; set everything up through the API.
    await page.goto(`${BASE}/login`)
    await signIn(page)
    await page.locator('[data-test="dashboard"]').waitFor()

    // An ungranted table next to e2e_orders (writes allowed for this statement only).
    const dsId = await ensureDatasource(true)
    const ddl = await api('POST', '/api/dataservice/query', {
      datasource_id: dsId,
      database: MARIADB_DB,
      sql: `create table if not exists ${HIDDEN} (id int primary key, note varchar(32))`,
    })
    assert.equal(ddl.status, 200, `creating ${HIDDEN} failed: ${JSON.stringify(ddl.body)}`)
    await ensureDatasource(false)
    await collect(dsId)

    const tablePath = `${dsId}.${MARIADB_DB}.${TABLE}`
    const amountPath = `${tablePath}.amount`
    await ensureAnalyst()
    await grantQuery(dsId, tablePath)
    await maskFull(dsId, amountPath)

    // 2. 数据权限 › 授权管理 lists the grant (filtered to the analyst).
    await page.locator('[data-test="menu-access-grants"]').click()
    await page.waitForURL((url) => url.pathname === '/access/grants')
    await page.locator('[data-test="breadcrumb"]', { hasText: '数据权限' }).waitFor()
    const grants = page.locator('[data-test="grants-table"]')
    await grants.waitFor()
    const grantRow = grants
      .locator('.el-table__body tr')
      .filter({ has: page.locator('[data-test="grant-subject"]', { hasText: ANALYST }) })
      .filter({ has: page.locator('[data-test="grant-object"]', { hasText: `${NAME}.${MARIADB_DB}.${TABLE}` }) })
      .first()
    await grantRow.waitFor({ timeout: 15000 })
    assert.match((await grantRow.locator('[data-test="grant-privilege"]').textContent()) || '', /查询/)
    assert.match((await grantRow.locator('[data-test="grant-effect"]').textContent()) || '', /允许/)
    await page.waitForTimeout(300)
    await screenshot(page, 'access-grants.png')

    // 3. 权限检查: e2e_analyst, query on e2e_orders.amount → allowed, masked "full".
    await page.locator('[data-test="menu-access-explain"]').click()
    await page.waitForURL((url) => url.pathname === '/access/explain')
    const explain = page.locator('[data-test="access-explain"]')
    await explain.waitFor()
    await explain.locator('[data-test="explain-user"]').click()
    await input(page, 'explain-user').fill(ANALYST)
    await page.locator(`[data-test="explain-user-option-${ANALYST}"]:visible`).click()
    await input(page, 'explain-object-path').fill(amountPath)
    await explain.locator('[data-test="explain-submit"]').click()
    const verdict = explain.locator('[data-test="explain-verdict"]')
    await verdict.waitFor({ timeout: 15000 })
    assert.equal(await verdict.getAttribute('data-allowed'), 'true', 'the analyst may query the amount column')
    assert.match((await verdict.textContent()) || '', /允许/)
    assert.match((await verdict.textContent()) || '', new RegExp(ANALYST))
    const mask = explain.locator('[data-test="explain-mask"]')
    await mask.waitFor()
    assert.equal(await mask.getAttribute('data-mask'), 'full')
    assert.match((await mask.textContent()) || '', /全部遮盖/)
    await explain.locator('[data-test="explain-grant"]').waitFor()
    assert.equal(await explain.locator('[data-test="explain-unrestricted"]').count(), 0, 'the analyst is not unrestricted')
    await page.waitForTimeout(300)
    await screenshot(page, 'access-explain.png')
    assert.deepEqual(fatalErrors(errors), [], 'the admin pages raised uncaught errors')

    // 4. As e2e_analyst (a separate browser context): the query console masks the amounts.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    const analyst = await context.newPage()
    analyst.setDefaultTimeout(15000)
    const analystErrors = []
    analyst.on('pageerror', (err) => analystErrors.push(`pageerror: ${err.message}`))
    try {
      await reportFailures(analyst, analystErrors, 'access-analyst', async () => {
        await analyst.goto(`${BASE}/login`)
        await signIn(analyst, { username: ANALYST, password: ANALYST_PASSWORD })
        await analyst.evaluate(() => {
          for (const key of Object.keys(localStorage)) if (key.startsWith('assetflow.queryConsole.')) localStorage.removeItem(key)
        })
        await analyst.locator('[data-test="menu-dataservice-query"]').click()
        await analyst.waitForURL((url) => url.pathname === '/dataservice/query')
        const view = analyst.locator('[data-test="query-view"]:visible')
        await view.locator('[data-test="query-datasource"]').click()
        await analyst.locator(`[data-test="datasource-option-${NAME}"]:visible`).click()
        await eventually(async () => ((await view.locator('[data-test="query-database"]').textContent()) || '').trim() === MARIADB_DB, {
          timeout: 15000,
          message: `the database picker did not select ${MARIADB_DB}`,
        })
        const editor = view.locator('[data-test="query-editor"] .ace_editor')
        await editor.click()
        await editor.evaluate((el, text) => el.env.editor.setValue(text, 1), SQL)
        await view.locator('[data-test="query-run"]').click()
        const grid = view.locator('[data-test="result-grid"]')
        await grid.waitFor({ timeout: 30000 })
        await grid.locator('.qr-head__name', { hasText: /^\s*id\s*$/ }).waitFor()
        await grid.locator('.qr-head__name', { hasText: /^\s*amount\s*$/ }).waitFor()
        const count = view.locator('[data-test="result-row-count"]')
        await eventually(async () => (await count.getAttribute('data-count')) === '3', { message: 'the result did not hold the 3 orders' })
        const cell = (r, c) => view.locator(`[data-test="result-grid"] [data-cell="${r}:${c}"]`)
        const rows = []
        for (let r = 0; r < 3; r++) {
          rows.push([((await cell(r, 0).textContent()) || '').trim(), ((await cell(r, 1).textContent()) || '').trim()])
        }
        rows.sort((a, b) => a[0].localeCompare(b[0]))
        assert.deepEqual(
          rows.map((r) => r[0]),
          ['1001', '1002', '1003'],
          'the ids are shown as they are',
        )
        // 1001 and 1002 hold amounts: masked; 1003's amount is NULL and stays NULL.
        assert.equal(rows[0][1], '****', `the amount of 1001 is masked: ${JSON.stringify(rows)}`)
        assert.equal(rows[1][1], '****', `the amount of 1002 is masked: ${JSON.stringify(rows)}`)
        assert.ok(rows[2][1] === 'NULL' || rows[2][1] === '****', `the amount of 1003: ${JSON.stringify(rows)}`)
        assert.ok(!rows.some((r) => /128\.5|39\.9/.test(r[1])), 'no real amount reaches the analyst')

        // 5. 元数据 › 数据总览 lists the granted e2e_orders, not the ungranted e2e_hidden.
        await analyst.locator('[data-test="menu-catalog-tables"]').click()
        await analyst.waitForURL((url) => url.pathname === '/catalog/tables')
        const catalog = analyst.locator('[data-test="catalog-table"]')
        await catalog.waitFor()
        const nameCell = (name) =>
          catalog.locator('[data-test="catalog-table-name"]', { hasText: new RegExp(`^\\s*${name}\\s*$`) })
        await nameCell(TABLE).first().waitFor({ timeout: 15000 })
        // The admin sees e2e_hidden in the catalog, so its absence here is the filtering.
        const all = await api('GET', `/api/catalog/tables?datasource_id=${encodeURIComponent(dsId)}&database=${encodeURIComponent(MARIADB_DB)}&page=1&page_size=100`)
        assert.ok(
          (all.body.data || []).some((t) => t.name === HIDDEN),
          `the admin's catalog lists ${HIDDEN}: ${JSON.stringify((all.body.data || []).map((t) => t.name))}`,
        )
        assert.equal(await nameCell(HIDDEN).count(), 0, `the analyst's catalog lists the ungranted ${HIDDEN}`)
        assert.deepEqual(fatalErrors(analystErrors), [], 'the analyst pages raised uncaught errors')
      })
    } finally {
      await context.close()
    }
  })
})
