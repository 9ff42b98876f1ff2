// Shared pieces of the browser tests: configuration from the environment, launching Chromium,
// signing in, API calls with the page's session, polling, screenshots and failure reports.
//
//   ASSETFLOW_E2E_BASE       URL of a running AssetFlow server (required)
//   ASSETFLOW_E2E_PASSWORD   password of the admin user (required)
//   ASSETFLOW_E2E_USERNAME   user to sign in as (default admin)
//   ASSETFLOW_E2E_CHROMIUM   Chromium binary (default /usr/bin/chromium)
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const BASE = (process.env.ASSETFLOW_E2E_BASE || '').replace(/\/+$/, '')
export const PASSWORD = process.env.ASSETFLOW_E2E_PASSWORD || ''
export const USERNAME = process.env.ASSETFLOW_E2E_USERNAME || 'admin'
export const CHROMIUM = process.env.ASSETFLOW_E2E_CHROMIUM || '/usr/bin/chromium'
const SHOTS = new URL('../../docs/screenshots/', import.meta.url)

/** Fails (never skips) when the server or the password is not configured. */
export function requireEnv() {
  assert.ok(
    BASE,
    'ASSETFLOW_E2E_BASE is not set: start an AssetFlow server and set ASSETFLOW_E2E_BASE to its URL (e.g. http://127.0.0.1:18080)',
  )
  assert.ok(PASSWORD, 'ASSETFLOW_E2E_PASSWORD is not set: it must hold the password of the admin user')
}

/**
 * Starts Chromium with one page (1440×900, zh-CN). The returned `errors` collects uncaught page
 * errors ("pageerror: …") and console errors ("console: …").
 */
export async function launch({ viewport = { width: 1440, height: 900 }, locale = 'zh-CN' } = {}) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  const context = await browser.newContext({ viewport, locale })
  const page = await context.newPage()
  page.setDefaultTimeout(15000)
  const errors = []
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`)
  })
  return { browser, context, page, errors }
}

/** Uncaught page errors among the collected ones. */
export function fatalErrors(errors) {
  return errors.filter((e) => e.startsWith('pageerror'))
}

/** Polls fn until it returns a truthy value or the time is up. */
export async function eventually(fn, { timeout = 10000, interval = 500, message = 'condition not met in time' } = {}) {
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

/** The <input> of an element marked data-test="…" (the element itself or inside it). */
export function input(page, selector) {
  return page.locator(`input[data-test="${selector}"], [data-test="${selector}"] input`).first()
}

/**
 * Calls the API from the page with its session (the token the console keeps in localStorage);
 * resolves to { status, body }.
 */
export function pageApi(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = JSON.parse(localStorage.getItem('assetflow.session') || '{}')
      const headers = { Authorization: `Bearer ${session.token}`, Accept: 'application/json' }
      if (body !== undefined) headers['Content-Type'] = 'application/json'
      const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
      return { status: res.status, body: await res.json().catch(() => ({})) }
    },
    { method, path, body },
  )
}

/** Fills the login form (the page must show it) and waits until the console has loaded. */
export async function signIn(page, { username = USERNAME, password = PASSWORD } = {}) {
  await page.locator('[data-test="login-form"]').waitFor()
  await input(page, 'login-username').fill(username)
  await input(page, 'login-password').fill(password)
  await page.locator('[data-test="login-submit"]').click()
  await page.waitForURL((url) => url.pathname !== '/login')
}

/** Saves docs/screenshots/<name> without hover effects, toasts or notifications in the picture. */
export async function screenshot(page, name) {
  await page.mouse.move(100, 880)
  await page.locator('.el-message').first().waitFor({ state: 'detached', timeout: 6000 }).catch(() => {})
  await page.locator('.el-notification').first().waitFor({ state: 'detached', timeout: 8000 }).catch(() => {})
  await page.locator('.el-popper.is-dark:visible').first().waitFor({ state: 'hidden', timeout: 2000 }).catch(() => {})
  await mkdir(SHOTS, { recursive: true })
  const path = fileURLToPath(new URL(name, SHOTS))
  await page.screenshot({ path })
  return path
}

/**
 * Runs the steps of a test; on failure saves a full-page screenshot to the temp directory and
 * adds its path and the browser errors to the message.
 */
export async function reportFailures(page, errors, name, steps) {
  try {
    await steps()
  } catch (err) {
    const path = join(tmpdir(), `assetflow-e2e-${name}-failure.png`)
    await page?.screenshot({ path, fullPage: true }).catch(() => {})
    err.message += `\n(screenshot of the failure: ${path}; browser errors: ${JSON.stringify(errors)})`
    throw err
  }
}
