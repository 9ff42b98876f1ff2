// Browser test of 数据质量 against a running AssetFlow server.
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... \
//   ASSETFLOW_E2E_MARIADB_DB=af_e2e_... node --test webui/e2e/quality.test.mjs
//
// Collects e2e_orders (one of its three amounts is NULL) through the API, then in the console
// creates a null-rate rule on amount from 质量规则 (table and column picked from the catalog,
// at most 1% NULLs), runs it, and sees the failure with the offending row 1003 among its
// samples; the rule's history page and 检查结果 show the check. Saves docs/screenshots/quality.png and quality-rule.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, eventually, fatalErrors, input, launch, pageApi, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

const MARIADB_DB = process.env.ASSETFLOW_E2E_MARIADB_DB || ''
const NAME = 'e2e-quality-maria'

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

/** Registers the datasource (unless it exists) and collects e2e_orders; returns the table id. */
async function collectOrders() {
  const found = await api('GET', `/api/datasources?page=1&page_size=100&keyword=${encodeURIComponent(NAME)}`)
  let ds = (found.body.data || []).find((d) => d.name === NAME && d.database === MARIADB_DB)?.id
  if (!ds) {
    const res = await api('POST', '/api/datasources', {
      name: `${NAME}-${Date.now()}`,
      type: 'mariadb',
      host: '127.0.0.1',
      port: 3306,
      database: MARIADB_DB,
      username: 'root',
      password: '',
    })
    assert.equal(res.status, 201, `creating the datasource failed: ${JSON.stringify(res.body)}`)
    ds = res.body.data.id
  }
  const run = await api('POST', '/api/catalog/collect', { datasource_id: ds, database: MARIADB_DB, tables: ['e2e_orders'] })
  assert.equal(run.status, 202, `collecting failed: ${JSON.stringify(run.body)}`)
  await eventually(async () => (await api('GET', `/api/catalog/runs/${run.body.data.run_id}`)).body.data?.status === 'succeeded', {
    timeout: 30000,
    message: 'the collection did not succeed',
  })
  const tables = await api('GET', `/api/catalog/tables?name=e2e_orders&datasource_id=${encodeURIComponent(ds)}`)
  const table = (tables.body.data || []).find((t) => t.name === 'e2e_orders')
  assert.ok(table, 'e2e_orders is not in the catalog')
  return table
}

/** Opens an Element Plus select, optionally types, and clicks the visible option containing text. */
async function pick(selector, text, { type = '' } = {}) {
  await page.locator(`[data-test="${selector}"]`).click()
  if (type) await page.keyboard.type(type)
  await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: text }).first().click()
}

test('quality: create a rule from the catalog, run it, see the failure and its samples', { timeout: 180000 }, async () => {
  requireEnv()
  assert.ok(MARIADB_DB, 'ASSETFLOW_E2E_MARIADB_DB is not set: it must name a MariaDB database on 127.0.0.1 that holds e2e_orders')

  await reportFailures(page, errors, 'quality', async () => {
    await page.goto(`${BASE}/login`)
    await signIn(page)
    await page.locator('[data-test="dashboard"]').waitFor()
    await collectOrders()

    // 1. The menu leads to 质量规则.
    await page.locator('[data-test="menu-quality-rules"]').click()
    await page.waitForURL((url) => url.pathname === '/quality/rules')
    await page.locator('[data-test="quality-table"]').waitFor()

    // 2. A new null-rate rule on e2e_orders.amount; saving without a table shows the message.
    const name = `金额非空 ${Date.now()}`
    await page.locator('[data-test="quality-new"]').click()
    const dialog = page.locator('[data-test="quality-rule-dialog"]')
    await dialog.waitFor()
    await input(page, 'rule-name').fill(name)
    await page.locator('[data-test="rule-save"]').click()
    await dialog.locator('.el-form-item__error', { hasText: '请选择表' }).waitFor()
    await pick('rule-table', 'e2e_orders', { type: 'e2e_orders' })
    await pick('rule-column', 'amount')
    await input(page, 'rule-max').fill('0.01')
    await input(page, 'rule-max').blur()
    await page.locator('[data-test="rule-severity"] label', { hasText: '严重' }).click()
    await page.locator('[data-test="rule-save"]').click()
    await dialog.waitFor({ state: 'hidden' })

    // 3. Run it: the check fails, and row 1003 (amount NULL) is a sample.
    const row = page.locator('[data-test="quality-table"] .el-table__row', { hasText: name })
    await row.waitFor()
    await row.locator('[data-test="quality-run"]').click()
    const outcome = page.locator('[data-test="quality-outcome"]')
    await outcome.locator('[data-test="quality-status-failed"]').waitFor()
    const metric = (await outcome.locator('[data-test="check-metric"]').textContent()).trim()
    assert.ok(metric.startsWith('0.33'), `the null rate should be 1/3, got ${metric}`)
    await outcome.locator('[data-test="check-samples"] .el-table__row', { hasText: '1003' }).waitFor()
    await page.waitForTimeout(400)
    await screenshot(page, 'quality.png')

    // 4. The history page lists the check and draws the trend.
    await outcome.getByRole('button', { name: '检查历史' }).click()
    await page.waitForURL((url) => url.pathname.startsWith('/quality/rules/'))
    await page.locator('[data-test="quality-results"] [data-test="quality-status-failed"]').first().waitFor()
    await page.locator('[data-test="quality-trend"] canvas').first().waitFor()
    await page.waitForTimeout(600)
    await screenshot(page, 'quality-rule.png')

    // 5. 检查结果 lists it among every check; expanding the row shows the samples.
    await page.locator('[data-test="menu-quality-results"]').click()
    await page.waitForURL((url) => url.pathname === '/quality/results')
    const checked = page.locator('[data-test="quality-all-results"] .el-table__row', { hasText: name }).first()
    await checked.locator('.el-table__expand-icon').click()
    await page.locator('[data-test="quality-all-results"] [data-test="check-samples"] .el-table__row', { hasText: '1003' }).first().waitFor()

    assert.deepEqual(fatalErrors(errors), [], 'uncaught errors in the page')
  })
})
