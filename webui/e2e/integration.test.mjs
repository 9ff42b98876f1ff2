// Browser test of data integration against a running AssetFlow server, a MariaDB database holding
// e2e_orders (ASSETFLOW_E2E_MARIADB_DB) and an empty PostgreSQL database (ASSETFLOW_E2E_PG_DB),
// both on 127.0.0.1 (root / postgres, no password).
//
// Creates a whole-database task through the form (整库同步), runs it, watches the run's progress
// and checks the result; saves docs/screenshots/integration-task-form.png, integration-run.png and
// integration-tasks.png.
// The task and both datasources are deleted at the end.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, eventually, fatalErrors, input, launch, pageApi, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

const MARIADB_DB = process.env.ASSETFLOW_E2E_MARIADB_DB || ''
const PG_DB = process.env.ASSETFLOW_E2E_PG_DB || ''
const SRC = 'e2e-sync-src'
const DST = 'e2e-sync-dst'
const TASK = 'e2e 整库同步'

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

async function cleanup() {
  const tasks = await pageApi(page, 'GET', `/api/integration/tasks?page=1&page_size=100&keyword=${encodeURIComponent('e2e')}`)
  for (const t of tasks.body.data || []) await pageApi(page, 'DELETE', `/api/integration/tasks/${t.id}`)
  const list = await pageApi(page, 'GET', '/api/datasources?page=1&page_size=100&keyword=e2e-sync')
  for (const ds of list.body.data || []) await pageApi(page, 'DELETE', `/api/datasources/${ds.id}?cascade=true`)
}

test('data integration: whole-database task, run, progress, result', { timeout: 180000 }, async () => {
  requireEnv()
  assert.ok(MARIADB_DB, 'ASSETFLOW_E2E_MARIADB_DB is not set: it must name a MariaDB database on 127.0.0.1 that holds e2e_orders')
  assert.ok(PG_DB, 'ASSETFLOW_E2E_PG_DB is not set: it must name an empty PostgreSQL database on 127.0.0.1')

  await reportFailures(page, errors, 'integration', async () => {
    await page.goto(`${BASE}/login`)
    await signIn(page)
    await page.locator('[data-test="dashboard"]').waitFor()
    await cleanup()
    for (const ds of [
      { name: SRC, type: 'mariadb', host: '127.0.0.1', port: 3306, username: 'root', database: MARIADB_DB },
      { name: DST, type: 'postgresql', host: '127.0.0.1', port: 5432, username: 'postgres', database: PG_DB },
    ]) {
      const res = await pageApi(page, 'POST', '/api/datasources', { ...ds, password: '' })
      assert.equal(res.status, 201, `creating ${ds.name}: ${JSON.stringify(res.body)}`)
    }

    // 1. 数据集成 › 同步任务, then the 整库同步 card.
    await page.locator('[data-test="menu-integration-tasks"]').click()
    await page.waitForURL((url) => url.pathname === '/dataintegration')
    await page.locator('[data-test="scope-whole_database"]').click()
    const form = page.locator('[data-test="integration-task-form"]')
    await form.waitFor()

    // 2. The form: name, source and its database, target and its schema.
    await input(page, 'task-name').fill(TASK)
    await form.locator('[data-test="task-source"]').first().click()
    await page.locator(`[data-test="datasource-option-${SRC}"]:visible`).click()
    await form.locator('[data-test="task-databases"]').first().click()
    await page.locator(`[data-test="db-option-${MARIADB_DB}"]:visible`).click()
    await page.keyboard.press('Escape')
    // The scratch database is shared with other tests (which add tables): name the one to copy.
    await form.locator('[data-test="task-table-choice"] .el-radio-button').nth(1).click()
    await form.locator('[data-test="task-tables"]').first().click()
    await page.locator('[data-test="table-option-e2e_orders"]:visible').click()
    await page.keyboard.press('Escape')
    await form.locator('[data-test="task-target"]').first().click()
    await page.locator(`[data-test="datasource-option-${DST}"]:visible`).click()
    await input(page, 'task-target-db').fill('ods')
    await form.locator('[data-test="task-column-map"]', { hasText: 'amount' }).waitFor()
    await screenshot(page, 'integration-task-form.png')
    await form.locator('[data-test="task-save"]').click()

    // 3. The task page; run it and follow the run to its end.
    await page.waitForURL((url) => /^\/dataintegration\/tasks\/synctask-/.test(url.pathname))
    await page.locator('[data-test="integration-task"] [data-test="task-run"]').click()
    await page.waitForURL((url) => /^\/dataintegration\/runs\/syncrun-/.test(url.pathname))
    await page.locator('[data-test="run-progress"]').waitFor()
    await eventually(async () => (await page.locator('[data-test="sync-status-succeeded"]').count()) > 0, {
      timeout: 30000,
      message: 'the run did not succeed',
    })
    assert.equal((await page.locator('[data-test="run-rows-written"]').innerText()).trim(), '3')
    await page.locator('[data-test="run-tables"]', { hasText: 'e2e_orders' }).waitFor()
    await screenshot(page, 'integration-run.png')

    // 4. The list shows the last run.
    await page.locator('[data-test="menu-integration-tasks"]').click()
    await page.locator('[data-test="tasks-table"]', { hasText: TASK }).waitFor()
    await page.locator('[data-test="tasks-table"] [data-test="sync-status-succeeded"]').first().waitFor()
    await screenshot(page, 'integration-tasks.png')

    await cleanup()
    assert.deepEqual(fatalErrors(errors), [])
  })
})
