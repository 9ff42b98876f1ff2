// Browser test of the system monitor pages (admins) against a running AssetFlow server.
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... node --test webui/e2e/monitor.test.mjs
//
// Signs in as admin; 服务器信息 shows CPU and memory figures, 在线用户 lists the admin's own session
// (its 强制下线 disabled), 登录日志 has a successful sign-in, 定时任务 shows its table or its empty
// state. Writes docs/screenshots/monitor-server.png and docs/screenshots/monitor-online.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, USERNAME, eventually, fatalErrors, launch, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

let browser
let page
let consoleErrors = []

before(async () => {
  if (!BASE) return
  ;({ browser, page, errors: consoleErrors } = await launch())
})

after(async () => {
  await browser?.close()
})

/** "12.3%" / "12.3" → 12.3; NaN when the text holds no number. */
function figure(text) {
  const m = /(\d+(?:\.\d+)?)/.exec(String(text || ''))
  return m ? Number(m[1]) : NaN
}

test('monitor: server, online users, login log, jobs', { timeout: 90000 }, async () => {
  requireEnv()

  await reportFailures(page, consoleErrors, 'monitor', async () => {
    await page.goto(`${BASE}/monitor/server`)
    await signIn(page)
    await page.waitForURL((url) => url.pathname === '/monitor/server')

    // 1. 服务器信息: the CPU and memory gauges show numbers, the host and the database pool are filled.
    await page.locator('[data-test="monitor-server"]').waitFor()
    for (const gauge of ['gauge-cpu', 'gauge-memory', 'gauge-disk']) {
      const value = page.locator(`[data-test="${gauge}"] [data-test="gauge-value"]`)
      const n = await eventually(
        async () => {
          const v = figure(await value.textContent())
          return Number.isFinite(v) ? { v } : null
        },
        { timeout: 15000, message: `${gauge} did not show a number` },
      )
      assert.ok(n.v >= 0 && n.v <= 100, `${gauge} shows ${n.v}, not a percentage`)
    }
    const memoryFacts = await page.locator('[data-test="gauge-memory"]').textContent()
    assert.match(memoryFacts, /\d+(\.\d+)? (B|KB|MB|GB|TB)/, 'memory card shows no sizes')
    await page.locator('[data-test="host-info"]').getByText(/\S/).first().waitFor()
    const pool = await page.locator('[data-test="db-pool"]').textContent()
    assert.match(pool, /\d+ \/ \d+/, 'database pool figures missing')
    // The replicas table lists at least this node, alive.
    await page.locator('[data-test="replicas-table"] [data-test="replica-alive"]').first().waitFor({ timeout: 20000 })
    // The live chart has drawn and keeps sampling (every 5 s): wait for three samples.
    const live = page.locator('[data-test="chart-live"]')
    await live.locator('canvas').first().waitFor()
    await page.locator('[data-test="chart-lag"] canvas, [data-test="chart-lag"] .el-empty').first().waitFor()
    await eventually(async () => Number(await live.getAttribute('data-samples')) >= 3, {
      timeout: 20000,
      message: 'the live chart did not receive new samples',
    })
    await page.waitForTimeout(800)
    await screenshot(page, 'monitor-server.png')

    // 2. 在线用户 via the menu: the admin's own session is marked and cannot be forced out.
    await page.locator('[data-test="menu-monitor-online"]').click()
    await page.waitForURL((url) => url.pathname === '/monitor/online')
    const ownRow = page
      .locator('[data-test="online-table"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="own-session-tag"]') })
    await ownRow.first().waitFor()
    assert.equal(await ownRow.count(), 1, 'exactly one row should be marked as the own session')
    assert.match(await ownRow.textContent(), new RegExp(USERNAME))
    assert.ok(await ownRow.locator('[data-test="kick"]').isDisabled(), 'the own session must not offer 强制下线')
    await screenshot(page, 'monitor-online.png')

    // 3. 登录日志: the sign-in above is a success row.
    await page.locator('[data-test="menu-monitor-login-log"]').click()
    await page.waitForURL((url) => url.pathname === '/monitor/login-log')
    const successRow = page
      .locator('[data-test="login-log-table"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="login-success"]') })
      .filter({ hasText: USERNAME })
      .first()
    await eventually(
      async () => {
        if (await successRow.isVisible()) return true
        await page.locator('[data-test="login-log-refresh"]').click()
        await page.waitForTimeout(300)
        return successRow.isVisible()
      },
      { timeout: 12000, interval: 700, message: 'no successful sign-in in the login log' },
    )

    // 4. 定时任务: the table loads; without schedules it shows its empty state.
    await page.locator('[data-test="menu-monitor-jobs"]').click()
    await page.waitForURL((url) => url.pathname === '/monitor/jobs')
    const table = page.locator('[data-test="jobs-table"]')
    await table.waitFor()
    await eventually(
      async () =>
        (await table.locator('[data-test="jobs-empty"]').isVisible()) ||
        (await table.locator('[data-test="job-state"]').count()) > 0,
      { message: '定时任务 showed neither jobs nor its empty state' },
    )

    const fatal = fatalErrors(consoleErrors)
    assert.deepEqual(fatal, [], 'the page raised uncaught errors')
  })
})
