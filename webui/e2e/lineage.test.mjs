// Browser test of the data lineage page against a running AssetFlow server.
//
//   ASSETFLOW_E2E_BASE=http://127.0.0.1:18080 ASSETFLOW_E2E_PASSWORD=... node --test webui/e2e/lineage.test.mjs
//
// Records the lineage of an ETL job (ods.orders → tmp.o → dw.fact) through the API, opens 数据血缘
// for dw.fact upstream one step, selects tmp.o in the node list, expands its upstream (ods.orders
// appears) and collapses it again, then previews the same SQL under SQL 解析. Saves
// docs/screenshots/lineage.png.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, eventually, fatalErrors, launch, pageApi, reportFailures, requireEnv, screenshot, signIn } from './helpers.mjs'

const SQL =
  'create table tmp.o as select id, amt from ods.orders; insert into dw.fact select id, sum(amt) as total from tmp.o group by id;'

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

/** The node list's entries, as the ids they show. */
async function listedNodes() {
  const ids = await page.locator('[data-test="lineage-node-list"] [data-test="lineage-node-id"]').evaluateAll((els) =>
    els.map((el) => el.getAttribute('data-node')),
  )
  return new Set(ids)
}

test('lineage: record a job, graph, expand and collapse, parse SQL', { timeout: 120000 }, async () => {
  requireEnv()

  await reportFailures(page, errors, 'lineage', async () => {
    // 1. Sign in and record the job's lineage.
    await page.goto(`${BASE}/login`)
    await signIn(page)
    await page.locator('[data-test="dashboard"]').waitFor()
    const rec = await pageApi(page, 'POST', '/api/lineage/etl-logs', { job_name: 'e2e_dw_fact', dialect: 'postgres', sql: SQL })
    assert.ok([200, 201].includes(rec.status), `recording the job failed: ${JSON.stringify(rec.body)}`)

    // 2. The menu leads to the page; it starts empty.
    await page.locator('[data-test="menu-lineage-graph"]').click()
    await page.waitForURL((url) => url.pathname === '/lineage')
    await page.locator('[data-test="lineage-empty"]').waitFor()

    // 3. dw.fact, upstream, one step: the graph draws dw.fact and tmp.o.
    await page.goto(`${BASE}/lineage?node=dw.fact&direction=up&depth=1&level=table`)
    await page.locator('[data-test="lineage-chart"] canvas').first().waitFor()
    await eventually(
      async () => {
        const ids = await listedNodes()
        return ids.has('dw.fact') && ids.has('tmp.o') && !ids.has('ods.orders')
      },
      { message: 'the node list does not show dw.fact and tmp.o (only)' },
    )

    // 4. Select tmp.o and expand its upstream: ods.orders joins the graph.
    await page.locator('[data-test="lineage-node-id"][data-node="tmp.o"]').click()
    await page.locator('[data-test="lineage-node-panel"] [data-test="lineage-selected"]', { hasText: 'tmp.o' }).waitFor()
    await page.locator('[data-test="lineage-expand-up"]').click()
    await eventually(async () => (await listedNodes()).has('ods.orders'), { message: 'ods.orders did not appear after expanding' })
    await page.locator('[data-test="lineage-open-catalog"]').waitFor()
    await page.waitForTimeout(600)
    await screenshot(page, 'lineage.png')

    // 5. Collapse removes what the expansion added.
    await page.locator('[data-test="lineage-collapse"]').click()
    await eventually(async () => !(await listedNodes()).has('ods.orders'), { message: 'ods.orders stayed after collapsing' })

    // 6. Deeper queries from the form: depth 3 reaches ods.orders directly.
    await page.goto(`${BASE}/lineage?node=dw.fact&direction=up&depth=3&level=table`)
    await eventually(async () => (await listedNodes()).has('ods.orders'), { message: 'depth 3 does not reach ods.orders' })

    // 7. SQL 解析 previews the lineage without recording it.
    await page.locator('.el-tabs__item', { hasText: 'SQL 解析' }).click()
    await page.locator('textarea[data-test="lineage-sql"], [data-test="lineage-sql"] textarea').first().fill(SQL)
    await page.locator('[data-test="lineage-parse-submit"]').click()
    const result = page.locator('[data-test="lineage-parse-result"]')
    await result.locator('.el-tag', { hasText: 'dw.fact' }).first().waitFor()
    await result.locator('.el-tag', { hasText: 'ods.orders' }).first().waitFor()

    assert.deepEqual(fatalErrors(errors), [])
  })
})
