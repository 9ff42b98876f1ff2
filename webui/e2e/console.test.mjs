// Browser test of the console against a running AssetFlow server.
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... node --test webui/e2e/
//
// Logs in as admin, checks the dashboard and the audit log, switches to English, and saves
// screenshots to docs/screenshots/.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, eventually, fatalErrors, launch, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

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

test('console: sign in, dashboard, audit log, language switch', { timeout: 60000 }, async () => {
  requireEnv()

  await reportFailures(page, consoleErrors, 'console', async () => {
    // 1. Unauthenticated: redirected to the login page.
    await page.goto(`${BASE}/`)
    await page.waitForURL((url) => url.pathname === '/login')
    assert.match(page.url(), /redirect=/, 'login URL should carry the redirect target')

    // 2. Sign in as admin; back to the dashboard.
    await signIn(page)
    await page.waitForURL((url) => url.pathname === '/')
    await page.locator('[data-test="dashboard"]').waitFor()

    // 3. Dashboard: the users card shows a number ≥ 1.
    const usersValue = page.locator('[data-test="stat-users"] [data-test="stat-value"]')
    const users = await eventually(
      async () => {
        const text = (await usersValue.textContent()) || ''
        const n = Number(text.replace(/[^\d]/g, ''))
        return text.match(/\d/) && n >= 1 ? n : 0
      },
      { message: 'users stat card did not show a number ≥ 1' },
    )
    assert.ok(users >= 1)
    // Let the charts finish their entry animation before the screenshot.
    await page.locator('[data-test="chart-trend"] canvas, [data-test="chart-trend"] .el-empty').first().waitFor()
    await page.waitForTimeout(1200)
    await screenshot(page, 'dashboard.png')

    // 4. Audit log via the side menu; the login shows up as access.user_logged_in.
    await page.locator('[data-test="menu-audit"]').click()
    await page.waitForURL((url) => url.pathname === '/monitor/audit')
    await page.locator('[data-test="audit-table"]').waitFor()
    const loginRow = page
      .locator('[data-test="audit-table"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="event-type"]', { hasText: /^\s*access\.user_logged_in\s*$/ }) })
      .first()
    await eventually(
      async () => {
        if (await loginRow.isVisible()) return true
        await page.locator('[data-test="audit-refresh"]').click()
        await page.waitForTimeout(300)
        return loginRow.isVisible()
      },
      { timeout: 12000, interval: 700, message: 'no access.user_logged_in row appeared in the audit log' },
    )
    await screenshot(page, 'audit-log.png')

    // The row opens a drawer with the full event.
    await loginRow.click()
    const drawer = page.locator('[data-test="event-drawer"]')
    await drawer.locator('[data-test="event-drawer-type"]', { hasText: 'access.user_logged_in' }).waitFor()
    await drawer.locator('[data-test="code-editor"]').waitFor()
    await page.keyboard.press('Escape')
    await drawer.waitFor({ state: 'hidden' })

    // 5. Switch to English: labels change, and the choice survives a reload.
    await page.locator('[data-test="lang-toggle"]').click()
    await page.locator('[data-test="lang-en"]').click()
    await page.locator('[data-test="menu-audit"]', { hasText: 'Audit Log' }).waitFor()
    await page.locator('[data-test="breadcrumb"]', { hasText: 'Monitoring' }).waitFor()
    await page.reload()
    await page.locator('[data-test="menu-operation-logs"]', { hasText: 'Operation Log' }).waitFor()

    const fatal = fatalErrors(consoleErrors)
    assert.deepEqual(fatal, [], 'the page raised uncaught errors')
  })
})
