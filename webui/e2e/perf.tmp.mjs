import { launch, signIn } from './helpers.mjs'
const BASE = 'http://127.0.0.1:18092'
const { browser, page } = await launch()
const view = () => page.locator('[data-test="query-view"]:visible')
await page.goto(`${BASE}/login`)
await signIn(page, { username: 'admin', password: 'Admin-Pass-1' })
await page.goto(`${BASE}/dataservice/query`)
await view().locator('[data-test="query-datasource"]').click()
await page.locator('[data-test="datasource-option-e2e-query-pg"]:visible').last().click()
const cols = Array.from({ length: 30 }, (_, i) => `repeat('v' || g || ' c${i} ', 2) as c${i}`).join(', ')
await view().locator('[data-test="query-editor"] .ace_editor').evaluate((el, sql) => el.env.editor.setValue(sql, 1), `select g, ${cols} from generate_series(1, 2000) g`)
await view().locator('[data-test="query-run"]').click()
await view().locator('[data-test="result-row-count"]').waitFor({ timeout: 20000 })
if ((await view().locator('[data-test="result-row-count"]').getAttribute('data-count')) !== '500') {
  await view().locator('[data-test="result-page-size"]').click()
  await page.locator('[data-test="result-page-size-500"]:visible').last().click()
  await view().locator('[data-test="result-row-count"][data-count="500"]').waitFor({ timeout: 20000 })
}
const t0 = Date.now()
const stats = await page.evaluate(async () => {
  const all = [...document.querySelectorAll('[data-test="result-grid"] *')].filter((e) => e.scrollHeight > e.clientHeight + 50 && getComputedStyle(e).overflowY !== 'visible' && getComputedStyle(e).overflowY !== 'hidden')
  const body = all[0]
  const scroller = body
  const frames = []
  let last = performance.now()
  for (let i = 0; i < 120; i++) {
    scroller.scrollTop += 130
    if (i % 3 === 0) scroller.scrollLeft += 90
    await new Promise((r) => requestAnimationFrame(r))
    const now = performance.now()
    frames.push(now - last)
    last = now
  }
  frames.sort((a, b) => a - b)
  const firstRow = document.querySelector('[data-test="result-grid"] .el-table-v2__main [data-cell]')?.dataset.cell
  return { firstRow, top: scroller.scrollTop, left: scroller.scrollLeft, found: !!body, cls: scroller?.className, median: frames[60], p95: frames[114], max: frames[119], cells: document.querySelectorAll('[data-cell]').length }
})
console.log('switch-time', Date.now() - t0, JSON.stringify(stats))
const t1 = Date.now()
await view().locator('[data-test="result-next"]').click()
await view().locator('[data-test="result-page"][data-page="2"]').waitFor()
console.log('next page ms', Date.now() - t1)
await browser.close()
