// Human-readable text for five-field cron expressions (minute hour day month weekday), for the
// common shapes schedules take; anything else reads as the expression itself. The server checks
// validity and lists the next runs.

const pad = (n) => String(n).padStart(2, '0')
const isNum = (s) => /^\d+$/.test(s)

const WEEKDAYS = {
  'zh-CN': ['周日', '周一', '周二', '周三', '周四', '周五', '周六'],
  en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
}

/** Describes a cron expression in the locale ('zh-CN' or 'en'); '' for an empty one. */
export function describeCron(expr, locale = 'zh-CN') {
  const zh = locale !== 'en'
  const parts = String(expr || '').trim().split(/\s+/)
  if (!expr || !String(expr).trim()) return ''
  if (parts.length !== 5) return expr
  const [min, hour, dom, mon, dow] = parts
  const everyDay = dom === '*' && mon === '*'
  const step = (s) => (/^\*\/\d+$/.test(s) ? Number(s.slice(2)) : 0)
  if (min === '*' && hour === '*' && everyDay && dow === '*') return zh ? '每分钟' : 'every minute'
  if (step(min) && hour === '*' && everyDay && dow === '*') return zh ? `每 ${step(min)} 分钟` : `every ${step(min)} minutes`
  if (isNum(min) && hour === '*' && everyDay && dow === '*') return zh ? `每小时第 ${min} 分` : `every hour at minute ${min}`
  if (isNum(min) && step(hour) && everyDay && dow === '*')
    return zh ? `每 ${step(hour)} 小时（第 ${min} 分）` : `every ${step(hour)} hours at minute ${min}`
  if (isNum(min) && isNum(hour)) {
    const at = `${pad(hour)}:${pad(min)}`
    if (everyDay && dow === '*') return zh ? `每天 ${at}` : `every day at ${at}`
    if (everyDay && /^[0-6](,[0-6])*$/.test(dow)) {
      const names = dow.split(',').map((d) => WEEKDAYS[zh ? 'zh-CN' : 'en'][Number(d)])
      return zh ? `每${names.join('、')} ${at}` : `every ${names.join(', ')} at ${at}`
    }
    if (dow === '1-5' && everyDay) return zh ? `工作日 ${at}` : `weekdays at ${at}`
    if (isNum(dom) && mon === '*' && dow === '*') return zh ? `每月 ${dom} 日 ${at}` : `day ${dom} of every month at ${at}`
  }
  return expr
}

/** Schedules offered as presets in the editor. */
export const CRON_PRESETS = ['*/5 * * * *', '0 * * * *', '0 2 * * *', '0 8 * * 1-5', '0 3 * * 1', '0 4 1 * *']
