// Browser test of datasource management against a running AssetFlow server and a MariaDB on
// 127.0.0.1:3306 (user root, no password) holding a database with the table e2e_orders.
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... \
//   ASSETFLOW_E2E_MARIADB_DB=af_e2e_... node --test webui/e2e/
//
// Creates a MariaDB datasource through the form (testing it before saving), tests it from the
// list, browses its tables and columns, and saves docs/screenshots/datasources.png and
// docs/screenshots/datasource-browse.png. The datasource is deleted at the end.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, eventually, fatalErrors, input, launch, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

const MARIADB_DB = process.env.ASSETFLOW_E2E_MARIADB_DB || ''
const MARIADB_HOST = process.env.ASSETFLOW_E2E_MARIADB_HOST || '127.0.0.1'
const MARIADB_PORT = process.env.ASSETFLOW_E2E_MARIADB_PORT || '3306'
const NAME = 'e2e-mariadb'

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

/** Removes a datasource left over from an earlier run against the same server. */
async function deleteLeftover(name) {
  await page.evaluate(async (dsName) => {
    const session = JSON.parse(localStorage.getItem('assetflow.session') || '{}')
    const headers = { Authorization: `Bearer ${session.token}`, Accept: 'application/json' }
    const res = await fetch(`/api/datasources?page=1&page_size=100&keyword=${encodeURIComponent(dsName)}`, { headers })
    const body = await res.json().catch(() => ({}))
    for (const ds of Array.isArray(body.data) ? body.data : []) {
      if (ds.name === dsName) {
        await fetch(`/api/datasources/${encodeURIComponent(ds.id)}?cascade=true`, { method: 'DELETE', headers })
      }
    }
  }, name)
}

test('datasources: create, test, list, browse', { timeout: 120000 }, async () => {
  requireEnv()
  assert.ok(
    MARIADB_DB,
    'ASSETFLOW_E2E_MARIADB_DB is not set: it must name a MariaDB database on 127.0.0.1 that holds the table e2e_orders',
  )

  await reportFailures(page, errors, 'datasource', async () => {
    // 1. Sign in as admin.
    await page.goto(`${BASE}/login`)
    await signIn(page)
    await page.locator('[data-test="dashboard"]').waitFor()
    await deleteLeftover(NAME)

    // 2. 数据源 › 数据源管理 from the side menu.
    await page.locator('[data-test="menu-datasource-list"]').click()
    await page.waitForURL((url) => url.pathname === '/datasource/list')
    await page.locator('[data-test="datasource-table"]').waitFor()
    await page.locator('[data-test="breadcrumb"]', { hasText: '数据源' }).waitFor()

    // 3. 新建数据源: type MariaDB fills in its default port.
    await page.locator('[data-test="datasource-create"]').click()
    const dialog = page.locator('[data-test="datasource-dialog"]')
    await dialog.waitFor()
    await dialog.locator('[data-test="datasource-type"]').click()
    await page.locator('[data-test="datasource-type-mariadb"]:visible').click()
    await eventually(async () => (await input(page, 'datasource-port').inputValue()) === '3306', {
      message: 'choosing MariaDB did not fill in port 3306',
    })

    await input(page, 'datasource-name-input').fill(NAME)
    await input(page, 'datasource-host').fill(MARIADB_HOST)
    await input(page, 'datasource-port').fill(MARIADB_PORT)
    await input(page, 'datasource-port').press('Tab')
    await input(page, 'datasource-database').fill(MARIADB_DB)
    await input(page, 'datasource-username').fill('root')
    await input(page, 'datasource-password').fill('')
    await dialog.locator('textarea[data-test="datasource-description"]').fill('浏览器测试创建的 MariaDB 数据源')

    // 4. 测试连接 before saving: success shows inline.
    await dialog.locator('[data-test="datasource-test-settings"]').click()
    const result = dialog.locator('[data-test="datasource-test-result"]')
    await result.waitFor({ timeout: 30000 })
    const state = await result.getAttribute('data-state')
    assert.equal(state, 'ok', `the connection test failed: ${(await result.textContent())?.trim()}`)
    await result.locator('text=连接成功').waitFor()

    // 5. Save: the dialog closes and the row is listed.
    await dialog.locator('[data-test="datasource-dialog-submit"]').click()
    await dialog.waitFor({ state: 'hidden' })
    const row = page
      .locator('[data-test="datasource-table"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="datasource-name"]', { hasText: new RegExp(`^\\s*${NAME}\\s*$`) }) })
      .first()
    await row.waitFor()
    assert.match((await row.textContent()) || '', new RegExp(`${MARIADB_HOST.replace(/\./g, '\\.')}:${MARIADB_PORT}`))

    // 6. 测试连接 on the row: the status becomes 正常 with a latency.
    await row.locator('[data-test="datasource-test"]').click()
    await row.locator('[data-test="connection-status"][data-state="ok"]', { hasText: '正常' }).waitFor({ timeout: 30000 })
    await row.locator('[data-test="datasource-latency"]').waitFor()
    await page.locator('.el-notification', { hasText: '连接成功' }).first().waitFor()
    await screenshot(page, 'datasources.png')

    // 7. 浏览: the database's tables, e2e_orders with its comment, and its columns.
    await row.locator('[data-test="datasource-browse"]').click()
    const drawer = page.locator('[data-test="datasource-browse-drawer"]')
    await drawer.waitFor()
    const picker = drawer.locator('[data-test="browse-database"]')
    await eventually(async () => ((await picker.textContent()) || '').trim() === MARIADB_DB, {
      timeout: 15000,
      message: `the database picker did not select ${MARIADB_DB}`,
    })
    const tableRow = drawer
      .locator('[data-test="browse-tables"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="browse-table-name"]', { hasText: /^\s*e2e_orders\s*$/ }) })
      .first()
    await tableRow.waitFor({ timeout: 20000 })
    await tableRow.locator('[data-test="browse-table-comment"]', { hasText: /^\s*订单\s*$/ }).waitFor()
    await tableRow.click()
    await drawer.locator('[data-test="browse-selected-table"]', { hasText: 'e2e_orders' }).waitFor()
    const idColumn = drawer
      .locator('[data-test="browse-columns"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="browse-column-name"]', { hasText: /^\s*id\s*$/ }) })
      .first()
    await idColumn.waitFor({ timeout: 20000 })
    assert.match((await idColumn.textContent()) || '', /主键/)
    assert.match((await idColumn.textContent()) || '', /订单号/)
    await drawer.locator('[data-test="browse-column-name"]', { hasText: /^\s*amount\s*$/ }).waitFor()
    await page.waitForTimeout(400) // drawer animation
    await screenshot(page, 'datasource-browse.png')
    await page.keyboard.press('Escape')
    await drawer.waitFor({ state: 'hidden' })

    // 8. 删除 with confirmation: the row disappears.
    await row.locator('[data-test="datasource-delete"]').click()
    const box = page.locator('.el-message-box')
    await box.waitFor()
    await box.locator('.el-button--danger').click()
    await row.waitFor({ state: 'detached', timeout: 15000 })

    assert.deepEqual(fatalErrors(errors), [], 'the page raised uncaught errors')
  })
})
