// Browser test of the console against a running AssetFlow server.
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... node --test webui/e2e/
//
// Logs in as admin, checks the dashboard and the audit log, switches to English, and saves
// screenshots to docs/screenshots/.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const BASE = (process.env.ASSETFLOW_E2E_BASE || '').replace(/\/+$/, '')
const PASSWORD = process.env.ASSETFLOW_E2E_PASSWORD || ''
const USERNAME = process.env.ASSETFLOW_E2E_USERNAME || 'admin'
const CHROMIUM = process.env.ASSETFLOW_E2E_CHROMIUM || '/usr/bin/chromium'
const SHOTS = new URL('../../docs/screenshots/', import.meta.url)

let browser
let page
const consoleErrors = []

before(async () => {
  if (!BASE) return
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
  page = await context.newPage()
  page.setDefaultTimeout(15000)
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`console: ${msg.text()}`)
  })
})

after(async () => {
  await browser?.close()
})

/** Polls fn until it returns a truthy value or the time is up. */
async function eventually(fn, { timeout = 10000, interval = 500, message = 'condition not met in time' } = {}) {
  const deadline = Date.now() + timeout
  let last
  for (;;) {
    try {
      last = await fn()
      if (last) return last
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) {
      throw new Error(`${message}${last instanceof Error ? `: ${last.message}` : ''}`)
    }
    await new Promise((r) => setTimeout(r, interval))
  }
}

function input(selector) {
  return page.locator(`input[data-test="${selector}"], [data-test="${selector}"] input`).first()
}

async function screenshot(name) {
  // No hover effects or transient toasts in the pictures.
  await page.mouse.move(100, 880)
  await page.locator('.el-message').first().waitFor({ state: 'detached', timeout: 6000 }).catch(() => {})
  await page.locator('.el-popper.is-dark:visible').first().waitFor({ state: 'hidden', timeout: 2000 }).catch(() => {})
  await mkdir(SHOTS, { recursive: true })
  const path = fileURLToPath(new URL(name, SHOTS))
  await page.screenshot({ path })
  return path
}

test('console: sign in, dashboard, audit log, language switch', { timeout: 60000 }, async () => {
  assert.ok(
    BASE,
    'ASSETFLOW_E2E_BASE is not set: start an AssetFlow server and set ASSETFLOW_E2E_BASE to its URL (e.g. http://127.0.0.1:18080)',
  )
  assert.ok(PASSWORD, 'ASSETFLOW_E2E_PASSWORD is not set: it must hold the password of the admin user')

  try {
    // 1. Unauthenticated: redirected to the login page.
    await page.goto(`${BASE}/`)
    await page.waitForURL((url) => url.pathname === '/login')
    assert.match(page.url(), /redirect=/, 'login URL should carry the redirect target')
    await page.locator('[data-test="login-form"]').waitFor()

    // 2. Sign in as admin.
    await input('login-username').fill(USERNAME)
    await input('login-password').fill(PASSWORD)
    await page.locator('[data-test="login-submit"]').click()
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
    await screenshot('dashboard.png')

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
    await screenshot('audit-log.png')

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

    const fatal = consoleErrors.filter((e) => e.startsWith('pageerror'))
    assert.deepEqual(fatal, [], 'the page raised uncaught errors')
  } catch (err) {
    const path = join(tmpdir(), 'assetflow-e2e-failure.png')
    await page.screenshot({ path, fullPage: true }).catch(() => {})
    err.message += `\n(screenshot of the failure: ${path}; browser errors: ${JSON.stringify(consoleErrors)})`
    throw err
  }
})
