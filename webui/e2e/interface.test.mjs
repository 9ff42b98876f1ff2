// Browser test of report APIs (数据服务 › 报表接口, 调用日志) against a running AssetFlow server and a
// MariaDB on 127.0.0.1:3306 (user root, no password) holding a database with the table
// e2e_orders(id bigint, amount decimal).
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... \
//   ASSETFLOW_E2E_MARIADB_DB=af_e2e_... node --test webui/e2e/
//
// Makes sure the datasource e2e-api-maria exists (through the API; kept for later runs) and that no
// version of e2e_orders_api is left from an earlier run. In 报表接口 › 新建接口 it fills the code,
// name, datasource, the query `… where id >= :minId …` and the parameter minId (integer, query,
// default 1), try-runs the unsaved definition and sees the rows, saves it and publishes it from the
// saved dialog. It then creates an API key (through the API), calls GET /data-api/e2e_orders_api
// with X-API-Key from Node, and finds the call in 调用日志. Saves docs/screenshots/interface-edit.png,
// interface-detail.png and call-log.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, eventually, fatalErrors, launch, pageApi, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

const MARIADB_DB = process.env.ASSETFLOW_E2E_MARIADB_DB || ''
const MARIADB_HOST = process.env.ASSETFLOW_E2E_MARIADB_HOST || '127.0.0.1'
const MARIADB_PORT = Number(process.env.ASSETFLOW_E2E_MARIADB_PORT || '3306')
const DATASOURCE = 'e2e-api-maria'
const CODE = 'e2e_orders_api'
const SQL = 'select id, amount from e2e_orders where id >= :minId order by id'

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

/** The id of the MariaDB datasource to MARIADB_DB, created (or pointed there) unless it exists. */
async function ensureDatasource() {
  const want = {
    name: DATASOURCE,
    type: 'mariadb',
    host: MARIADB_HOST,
    port: MARIADB_PORT,
    database: MARIADB_DB,
    username: 'root',
    description: '报表接口浏览器测试使用的 MariaDB 数据源',
  }
  const found = await api('GET', `/api/datasources?page=1&page_size=100&keyword=${encodeURIComponent(DATASOURCE)}`)
  const existing = (found.body.data || []).find((d) => d.name === DATASOURCE)
  if (existing && ['host', 'port', 'database'].every((k) => existing[k] === want[k])) return existing.id
  if (existing) {
    const res = await api('PUT', `/api/datasources/${encodeURIComponent(existing.id)}`, { ...want, params: existing.params || {}, tls_mode: existing.tls_mode })
    assert.equal(res.status, 200, `updating the datasource failed: ${JSON.stringify(res.body)}`)
    return existing.id
  }
  const res = await api('POST', '/api/datasources', { ...want, password: '' })
  assert.equal(res.status, 201, `creating the datasource failed: ${JSON.stringify(res.body)}`)
  return res.body.data.id
}

/** Removes every version of CODE left by an earlier run (published ones are disabled first). */
async function removeInterface() {
  const versions = await api('GET', `/api/dataservice/interfaces/${CODE}/versions`)
  if (versions.status === 404) return
  assert.equal(versions.status, 200, `listing the versions failed: ${JSON.stringify(versions.body)}`)
  for (const v of versions.body.data || []) {
    const q = `?version=${encodeURIComponent(v.version)}`
    if (v.status === 'active' || v.status === 'deprecated') {
      const res = await api('POST', `/api/dataservice/interfaces/${CODE}/disable${q}`)
      assert.equal(res.status, 200, `disabling ${CODE}@${v.version} failed: ${JSON.stringify(res.body)}`)
    }
    const res = await api('DELETE', `/api/dataservice/interfaces/${CODE}${q}`)
    assert.equal(res.status, 200, `deleting ${CODE}@${v.version} failed: ${JSON.stringify(res.body)}`)
  }
}

/** Types into the input of an element marked data-test (inside `scope`). */
async function fill(scope, testId, value) {
  const el = scope.locator(`[data-test="${testId}"] input, input[data-test="${testId}"]`).first()
  await el.fill(value)
  await el.press('Tab')
}

/** Picks the option data-test=`option` of the select data-test=`select` (inside `scope`). */
async function pick(scope, select, option) {
  await scope.locator(`[data-test="${select}"]`).first().click()
  await page.locator(`[data-test="${option}"]:visible`).click()
}

test('report APIs: create, try-run, publish, call, call log', { timeout: 180000 }, async () => {
  requireEnv()
  assert.ok(
    MARIADB_DB,
    'ASSETFLOW_E2E_MARIADB_DB is not set: it must name a MariaDB database on 127.0.0.1 that holds the table e2e_orders',
  )
  let keyId = ''

  await reportFailures(page, errors, 'interface', async () => {
    // 1. Sign in; the datasource exists and no e2e_orders_api is left over.
    await page.goto(`${BASE}/login`)
    await signIn(page)
    await page.locator('[data-test="dashboard"]').waitFor()
    await ensureDatasource()
    await removeInterface()

    // 2. 数据服务 › 报表接口, then 新建接口.
    await page.locator('[data-test="menu-dataservice-interfaces"]').click()
    await page.waitForURL((url) => url.pathname === '/dataservice/interfaces')
    await page.locator('[data-test="interface-table"]').waitFor()
    await page.locator('[data-test="breadcrumb"]', { hasText: '报表接口' }).waitFor()
    await page.locator('[data-test="interface-create"]').click()
    await page.waitForURL((url) => url.pathname === '/dataservice/interfaces/new')
    const form = page.locator('[data-test="interface-form"]')
    await form.waitFor()

    // 3. 基本信息, the datasource and the query.
    await fill(form, 'iface-code', CODE)
    await fill(form, 'iface-name', '订单明细（浏览器测试）')
    await pick(form, 'iface-datasource', `datasource-option-${DATASOURCE}`)
    const editor = form.locator('[data-test="iface-query"] .ace_editor')
    await editor.evaluate((el, text) => el.env.editor.setValue(text, 1), SQL)
    // The query's :minId is not declared yet.
    await form.locator('[data-test="named-minId"]').waitFor()

    // 4. 参数定义: minId, integer, from the query string, default 1.
    await form.locator('[data-test="param-add"]').click()
    const paramRow = form.locator('[data-test="param-table"] .el-table__body tr.el-table__row').last()
    await fill(paramRow, 'param-name', 'minId')
    await pick(paramRow, 'param-in', 'param-in-query')
    await pick(paramRow, 'param-type', 'param-type-integer')
    await fill(paramRow, 'param-default', '1')
    await eventually(async () => (await form.locator('[data-test="named-minId"].el-tag--success').count()) === 1, {
      message: 'the query hint did not mark :minId as declared',
    })

    // 5. 试运行 of the unsaved definition: the rows of e2e_orders with their columns.
    await page.locator('[data-test="interface-try"]').click()
    const result = form.locator('[data-test="try-run-result"]')
    await result.waitFor({ timeout: 30000 })
    const rows = Number(await result.locator('[data-test="try-run-rows"]').getAttribute('data-count'))
    assert.ok(rows > 0, 'the try run returned no rows')
    await result.locator('[data-test="result-column-id"]').waitFor()
    await result.locator('[data-test="result-column-amount"]').waitFor()
    await result.locator('[data-test="result-table"] .el-table__body tr').first().waitFor()
    // The picture: the query and the try run with its rows, in a taller window.
    await page.setViewportSize({ width: 1440, height: 1240 })
    await page.locator('#sec-query').evaluate((el) => el.scrollIntoView({ block: 'start' }))
    await page.waitForTimeout(500)
    await screenshot(page, 'interface-edit.png')
    await page.setViewportSize({ width: 1440, height: 900 })
    // The bound statement has driver placeholders, not the value.
    await result.locator('[data-test="try-run-statement-toggle"]').click()
    await eventually(async () => /\?|\$1/.test((await result.locator('[data-test="try-run-statement"]').textContent()) || ''), {
      message: 'the bound statement has no placeholder',
    })

    // 6. Save: a draft at /dataservice/interfaces/e2e_orders_api/edit, then 发布 from the saved dialog.
    await page.locator('[data-test="interface-save"]').click()
    await page.waitForURL((url) => url.pathname === `/dataservice/interfaces/${CODE}/edit`, { timeout: 20000 })
    const saved = page.locator('[data-test="saved-dialog"]')
    await saved.waitFor()
    await saved.locator('[data-test="interface-status"][data-status="draft"]').waitFor()
    await saved.locator('[data-test="saved-publish"]').click()
    await page.waitForURL((url) => url.pathname === `/dataservice/interfaces/${CODE}`, { timeout: 20000 })

    // 7. The detail page: published, its path and a curl call with X-API-Key.
    const detail = page.locator('[data-test="interface-detail"]')
    await detail.locator('[data-test="detail-code"]', { hasText: CODE }).waitFor()
    await detail.locator('.head [data-test="interface-status"][data-status="active"]').waitFor()
    const curl = (await detail.locator('[data-test="detail-curl"]').textContent()) || ''
    assert.match(curl, new RegExp(`/data-api/${CODE}\\?minId=1`))
    assert.match(curl, /X-API-Key/)
    await page.waitForTimeout(400)
    await screenshot(page, 'interface-detail.png')

    // 8. A caller: an API key (through the API) and GET /data-api/e2e_orders_api from Node.
    const key = await api('POST', '/api/system/api-keys', { name: 'e2e-interface' })
    assert.equal(key.status, 201, `creating the API key failed: ${JSON.stringify(key.body)}`)
    keyId = key.body.data.id
    const res = await fetch(`${BASE}/data-api/${CODE}?minId=1`, { headers: { 'X-API-Key': key.body.data.key, Accept: 'application/json' } })
    const body = await res.json()
    assert.equal(res.status, 200, `the gateway answered ${res.status}: ${JSON.stringify(body)}`)
    assert.equal(body.success, true)
    assert.ok(Array.isArray(body.data) && body.data.length > 0, 'the gateway returned no rows')
    assert.ok(body.data.every((r) => 'id' in r && 'amount' in r), 'the rows lack id or amount')
    assert.equal(res.headers.get('x-interface-version'), '1.0.0')

    // 9. 调用日志 lists the call (the log is written asynchronously: refresh until it shows).
    await page.locator('[data-test="menu-dataservice-calls"]').click()
    await page.waitForURL((url) => url.pathname === '/dataservice/calls')
    await page.locator('[data-test="api-metrics"]').waitFor()
    const table = page.locator('[data-test="call-log-table"]')
    await table.waitFor()
    const call = table
      .locator('.el-table__body tr')
      .filter({ has: page.locator('[data-test="call-log-code"]', { hasText: CODE }) })
      .filter({ has: page.locator('[data-test="call-log-status"][data-status="200"]') })
      .first()
    await eventually(
      async () => {
        if (await call.isVisible()) return true
        await page.locator('[data-test="call-log-refresh"]').click()
        await page.waitForTimeout(500)
        return false
      },
      { timeout: 20000, interval: 800, message: 'the call log did not list the call' },
    )
    assert.equal(((await call.locator('[data-test="call-log-rows"]').textContent()) || '').trim(), String(body.data.length))
    await eventually(
      async () => {
        await page.locator('[data-test="metrics-refresh"]').click()
        await page.waitForTimeout(300)
        return Number(((await page.locator('[data-test="metrics-calls"]').textContent()) || '0').replace(/,/g, '')) > 0
      },
      { message: 'the metrics panel counted no calls' },
    )
    await page.waitForTimeout(1200) // the charts' animation
    await screenshot(page, 'call-log.png')

    assert.deepEqual(fatalErrors(errors), [], 'the page raised uncaught errors')
  }).finally(async () => {
    if (keyId) await api('DELETE', `/api/system/api-keys/${encodeURIComponent(keyId)}`).catch(() => {})
  })
})
