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
const info = await page.evaluate(() => [...document.querySelectorAll('[data-test="result-grid"] *')].filter((e) => e.scrollHeight > e.clientHeight + 50).map((e) => `${e.className} ${getComputedStyle(e).overflowY} ${e.scrollHeight}/${e.clientHeight}`).slice(0, 10))
console.log(info)
const t0 = Date.now()
await page.evaluate(() => {
  window.__frames = []
  let last = performance.now()
  const loop = (now) => { window.__frames.push(now - last); last = now; if (window.__frames.length < 100000) window.__raf = requestAnimationFrame(loop) }
  window.__raf = requestAnimationFrame(loop)
})
await page.mouse.move(800, 650)
for (let i = 0; i < 60; i++) { await page.mouse.wheel(i % 4 === 0 ? 200 : 0, 300) }
const stats = await page.evaluate(() => {
  cancelAnimationFrame(window.__raf)
  const f = [...window.__frames].slice(1).sort((a, b) => a - b)
  const firstRow = document.querySelector('[data-test="result-grid"] [data-cell]')?.dataset.cell
  return { n: f.length, median: f[Math.floor(f.length / 2)], p95: f[Math.floor(f.length * 0.95)], max: f[f.length - 1], firstRow, cells: document.querySelectorAll('[data-cell]').length }
})
console.log('switch-time', Date.now() - t0, JSON.stringify(stats))
const t1 = Date.now()
await view().locator('[data-test="result-next"]').click()
await view().locator('[data-test="result-page"][data-page="2"]').waitFor()
console.log('next page ms', Date.now() - t1)
await browser.close()
