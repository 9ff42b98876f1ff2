import { computed } from 'vue'
import { useI18n } from 'vue-i18n'

/**
 * Shortcuts of a datetimerange picker: last hour, today, last 7 and 30 days.
 *   const shortcuts = useTimeShortcuts()
 *   <el-date-picker type="datetimerange" :shortcuts="shortcuts" />
 */
export function useTimeShortcuts() {
  const { t } = useI18n()
  return computed(() => {
    const hours = (h) => () => [new Date(Date.now() - h * 3600 * 1000), new Date()]
    return [
      { text: t('audit.lastHour'), value: hours(1) },
      {
        text: t('audit.today'),
        value: () => {
          const start = new Date()
          start.setHours(0, 0, 0, 0)
          return [start, new Date()]
        },
      },
      { text: t('audit.last7Days'), value: hours(24 * 7) },
      { text: t('audit.last30Days'), value: hours(24 * 30) },
    ]
  })
}
