// What the operation-log and login-log pages share: the [from, to] picker turned into query
// parameters, a refused range warned about instead of sent, and CSV export of the filtered log.
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ElMessage } from 'element-plus'
import { toRFC3339 } from '@/utils/format'
import { rangeProblem } from './monitorFormat'

/** Filters → query parameters: the picker's range becomes from/to in RFC 3339. */
export function logQuery({ range, ...q }) {
  return {
    ...q,
    from: range && range[0] ? toRFC3339(range[0]) : undefined,
    to: range && range[1] ? toRFC3339(range[1]) : undefined,
  }
}

export function useLogQuery() {
  const { t } = useI18n()
  const exporting = ref(false)

  /** True when the range can be asked for; otherwise warns and returns false. */
  function rangeOk(range) {
    const problem = rangeProblem(range)
    if (problem) ElMessage.warning(t(`monitor.range.${problem}`))
    return !problem
  }

  /** Downloads the log as CSV through download(query) with the current filters. */
  async function exportCsv(filters, download) {
    if (!rangeOk(filters.range)) return
    exporting.value = true
    try {
      const { filename } = await download(logQuery({ ...filters }))
      ElMessage.success(t('monitor.exported', { name: filename }))
    } catch {
      // shown by the HTTP client
    } finally {
      exporting.value = false
    }
  }

  return { exporting, rangeOk, exportCsv }
}
