// Browser test of the data asset catalog against a running AssetFlow server and a MariaDB on
// 127.0.0.1:3306 (user root, no password) holding a database with the table e2e_orders.
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... \
//   ASSETFLOW_E2E_MARIADB_DB=af_e2e_... node --test webui/e2e/
//
// Makes sure a MariaDB datasource to that database, the tags 核心 and PII and the category 交易域
// exist (through the API; kept for later runs), collects e2e_orders from 业务数据查看 and follows
// the run until it succeeds, finds the table in 数据总览 and opens it: columns, tag and category
// set from the header, change history and (when the server profiles) the data profile. Saves
// docs/screenshots/catalog-browse.png, catalog-tables.png and catalog-table-detail.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, eventually, fatalErrors, launch, pageApi, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

const MARIADB_DB = process.env.ASSETFLOW_E2E_MARIADB_DB || ''
const MARIADB_HOST = process.env.ASSETFLOW_E2E_MARIADB_HOST || '127.0.0.1'
const MARIADB_PORT = Number(process.env.ASSETFLOW_E2E_MARIADB_PORT || '3306')
// Its own datasource: the datasource test deletes "e2e-mariadb" while this one may run.
const NAME = 'e2e-catalog'
const TABLE = 'e2e_orders'

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

/** Calls the API with the page's session; resolves to { status, body }. */
const api = (method, path, body) => pageApi(page, method, path, body)

/** The id of the MariaDB datasource to MARIADB_DB, created unless it exists. */
async function ensureDatasource() {
  const found = await api('GET', `/api/datasources?page=1&page_size=100&keyword=${encodeURIComponent(NAME)}`)
  const existing = (found.body.data || []).find((d) => d.name === NAME)
  if (existing && existing.database === MARIADB_DB && existing.host === MARIADB_HOST && existing.port === MARIADB_PORT) {
    return existing.id
  }
  if (existing) {
    const res = await api('PUT', `/api/datasources/${encodeURIComponent(existing.id)}`, {
      name: NAME,
      type: 'mariadb',
      host: MARIADB_HOST,
      port: MARIADB_PORT,
      database: MARIADB_DB,
      username: 'root',
      params: existing.params || {},
      tls_mode: existing.tls_mode,
      description: existing.description,
    })
    assert.equal(res.status, 200, `updating the datasource failed: ${JSON.stringify(res.body)}`)
    return existing.id
  }
  const res = await api('POST', '/api/datasources', {
    name: NAME,
    type: 'mariadb',
    host: MARIADB_HOST,
    port: MARIADB_PORT,
    database: MARIADB_DB,
    username: 'root',
    password: '',
    description: '资产目录浏览器测试使用的 MariaDB 数据源',
  })
  assert.equal(res.status, 201, `creating the datasource failed: ${JSON.stringify(res.body)}`)
  return res.body.data.id
}

/** Defines the tag (again) and returns nothing; tags are upserted. */
async function ensureTag(tag) {
  const res = await api('POST', '/api/catalog/tags', tag)
  assert.equal(res.status, 200, `defining the tag ${tag.name} failed: ${JSON.stringify(res.body)}`)
}

/** The id of the top-level category with this name, created unless it exists. */
async function ensureCategory(name, description) {
  const list = await api('GET', '/api/catalog/categories')
  const found = (list.body.data || []).find((c) => c.name === name && !c.parent_id)
  if (found) return found.id
  const res = await api('POST', '/api/catalog/categories', { name, parent_id: '', description })
  assert.equal(res.status, 201, `creating the category ${name} failed: ${JSON.stringify(res.body)}`)
  return res.body.data.id
}

test('catalog: browse, collect, overview, table detail', { timeout: 180000 }, async (t) => {
  requireEnv()
  assert.ok(
    MARIADB_DB,
    'ASSETFLOW_E2E_MARIADB_DB is not set: it must name a MariaDB database on 127.0.0.1 that holds the table e2e_orders',
  )

  await reportFailures(page, errors, 'catalog', async () => {
    // 1. Sign in; the datasource exists.
    await page.goto(`${BASE}/login`)
    await signIn(page)
    await page.locator('[data-test="dashboard"]').waitFor()
    await ensureDatasource()
    await ensureTag({ name: '核心', color: '#1f6feb', description: '核心业务表', sensitive: false })
    await ensureTag({ name: 'PII', color: '#dc2626', description: '个人身份信息', sensitive: true })
    await ensureCategory('交易域', '订单、支付等交易数据')

    // 2. 元数据 › 业务数据查看: pick the datasource; its database is picked and e2e_orders listed.
    await page.locator('[data-test="menu-catalog-browse"]').click()
    await page.waitForURL((url) => url.pathname === '/catalog/browse')
    await page.locator('[data-test="breadcrumb"]', { hasText: '元数据' }).waitFor()
    await page.locator('[data-test="browse-datasource"]').click()
    await page.locator(`[data-test="datasource-option-${NAME}"]:visible`).click()
    const picker = page.locator('[data-test="browse-database"]')
    await eventually(async () => ((await picker.textContent()) || '').trim() === MARIADB_DB, {
      timeout: 15000,
      message: `the database picker did not select ${MARIADB_DB}`,
    })
    const tableRow = page
      .locator('[data-test="browse-tables"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="browse-table-name"]', { hasText: new RegExp(`^\\s*${TABLE}\\s*$`) }) })
      .first()
    await tableRow.waitFor({ timeout: 20000 })
    await tableRow.locator('[data-test="browse-table-comment"]', { hasText: /^\s*订单\s*$/ }).waitFor()

    // Its columns open in a drawer.
    await tableRow.locator('[data-test="browse-columns-open"]').click()
    const drawer = page.locator('[data-test="browse-columns-drawer"]')
    await drawer.locator('[data-test="browse-selected-table"]', { hasText: TABLE }).waitFor()
    await drawer.locator('[data-test="browse-column-name"]', { hasText: /^\s*amount\s*$/ }).waitFor({ timeout: 20000 })
    await page.keyboard.press('Escape')
    await drawer.waitFor({ state: 'hidden' })

    // 3. 采集 on the row: the run card follows the run until it succeeds.
    await tableRow.locator('[data-test="collect-table"]').click()
    const run = page.locator('[data-test="collect-run"]')
    await run.waitFor()
    await eventually(
      async () => {
        const status = await run.getAttribute('data-status')
        if (status === 'failed') {
          throw new Error(`the collection failed: ${(await run.textContent())?.trim()}`)
        }
        return status === 'succeeded'
      },
      { timeout: 60000, interval: 500, message: 'the collection run did not succeed' },
    )
    await run.locator('[data-test="run-progress"]').waitFor()
    // The row now links to its catalog entry.
    await tableRow.locator('[data-test="browse-in-catalog"]').waitFor({ timeout: 15000 })
    await page.waitForTimeout(400)
    await screenshot(page, 'catalog-browse.png')

    // 4. 数据总览 (from the run card): e2e_orders is listed.
    await run.locator('[data-test="run-open-catalog"]').click()
    await page.waitForURL((url) => url.pathname === '/catalog/tables')
    await page.locator('[data-test="catalog-table"]').waitFor()
    const entry = page
      .locator('[data-test="catalog-table"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="catalog-table-name"]', { hasText: new RegExp(`^\\s*${TABLE}\\s*$`) }) })
      .first()
    await entry.waitFor({ timeout: 15000 })
    assert.match((await entry.textContent()) || '', /订单/)
    assert.match((await entry.textContent()) || '', new RegExp(NAME))
    await entry.locator('[data-test="table-status"][data-status="active"]').waitFor()

    // 5. The table's page: header, columns id and amount.
    await entry.locator('[data-test="catalog-table-name"]').click()
    await page.waitForURL((url) => url.pathname.startsWith('/catalog/tables/table-'))
    const tableId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop())
    const detail = page.locator('[data-test="catalog-detail"]')
    await detail.locator('[data-test="detail-name"]', { hasText: TABLE }).waitFor()
    await detail.locator('[data-test="detail-comment"]', { hasText: '订单' }).waitFor()
    await page.locator('[data-test="breadcrumb"]', { hasText: '数据总览' }).waitFor()
    const columns = detail.locator('[data-test="catalog-columns"]')
    await columns.locator('[data-test="catalog-column-name"]', { hasText: /^\s*id\s*$/ }).waitFor()
    await columns.locator('[data-test="catalog-column-name"]', { hasText: /^\s*amount\s*$/ }).waitFor()
    const idRow = columns
      .locator('.el-table__body tr')
      .filter({ has: page.locator('[data-test="catalog-column-name"]', { hasText: /^\s*id\s*$/ }) })
    assert.match((await idRow.textContent()) || '', /订单号/)

    // Start from no tags and no category (an earlier run against the same server may have set them).
    if ((await detail.locator('[data-test="detail-tags"] [data-test="catalog-tag"]').count()) > 0) {
      await api('PUT', `/api/catalog/tables/${encodeURIComponent(tableId)}/tags`, { tags: [] })
      await api('PUT', `/api/catalog/tables/${encodeURIComponent(tableId)}/category`, { category_id: '' })
      await page.reload()
      await detail.locator('[data-test="detail-name"]', { hasText: TABLE }).waitFor()
    }

    // Tag the table 核心 and put it in 交易域 from the header.
    await detail.locator('[data-test="detail-tags"] [data-test="tags-edit"]').click()
    const tagEditor = page.locator('[data-test="tags-editor"]:visible')
    await tagEditor.locator('[data-test="tags-editor-select"]').click()
    await page.locator('[data-test="tag-option-核心"]:visible').click()
    await tagEditor.locator('.tags-editor__title').click()
    await tagEditor.locator('[data-test="tags-editor-save"]').click()
    await detail.locator('[data-test="detail-tags"] [data-test="catalog-tag"]', { hasText: '核心' }).waitFor()
    await tagEditor.waitFor({ state: 'hidden' })

    await detail.locator('[data-test="detail-category"] [data-test="category-edit"]').click()
    const categoryEditor = page.locator('[data-test="category-editor"]:visible')
    await categoryEditor.locator('.el-select').click()
    await page.locator('[data-test="category-option-交易域"]:visible').click()
    await categoryEditor.locator('[data-test="category-editor-save"]').click()
    await detail.locator('[data-test="detail-category"] [data-test="category-label"]', { hasText: '交易域' }).waitFor()
    await categoryEditor.waitFor({ state: 'hidden' })
    await page.waitForTimeout(300)
    await screenshot(page, 'catalog-table-detail.png')

    // 变更历史: the collection and the tagging.
    await detail.locator('[data-test="tab-history-label"]').click()
    const history = detail.locator('[data-test="table-history"]')
    await history.locator('[data-test="history-item"][data-type="catalog.table_collected"]').first().waitFor({ timeout: 15000 })
    await history.locator('[data-test="history-item"][data-type="catalog.table_tagged"]').first().waitFor()

    // 6. 数据画像: generate one unless the server does not profile yet (404 for the route).
    await detail.locator('[data-test="tab-profile-label"]').click()
    const profile = detail.locator('[data-test="table-profile"]')
    await profile.waitFor()
    const answer = page.waitForResponse((res) => res.url().includes('/profile') && res.request().method() === 'POST', { timeout: 120000 })
    await profile.locator('[data-test="profile-run"]').click()
    const res = await answer
    if (res.status() === 404) {
      t.diagnostic('POST /api/catalog/tables/:id/profile answered 404: the profile assertions are skipped')
      await profile.locator('[data-test="profile-error"]').waitFor()
    } else {
      assert.ok(res.ok(), `profiling failed with HTTP ${res.status()}`)
      await profile.locator('[data-test="profile-summary"]').waitFor({ timeout: 20000 })
      await profile.locator('[data-test="profile-columns"] .el-table__body tr').first().waitFor()
    }

    // 7. Back in 数据总览 the entry carries its tag and category.
    await page.locator('[data-test="menu-catalog-tables"]').click()
    await page.waitForURL((url) => url.pathname === '/catalog/tables')
    const tagged = page
      .locator('[data-test="catalog-table"] .el-table__body tr')
      .filter({ has: page.locator('[data-test="catalog-table-name"]', { hasText: new RegExp(`^\\s*${TABLE}\\s*$`) }) })
      .filter({ has: page.locator('[data-test="catalog-tag"]', { hasText: '核心' }) })
      .first()
    await tagged.waitFor({ timeout: 15000 })
    assert.match((await tagged.textContent()) || '', /交易域/)
    await page.waitForTimeout(300)
    await screenshot(page, 'catalog-tables.png')

    assert.deepEqual(fatalErrors(errors), [], 'the page raised uncaught errors')
  })
})
