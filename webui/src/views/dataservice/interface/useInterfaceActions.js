import { ref } from 'vue'
import { useRouter } from 'vue-router'
import { useI18n } from 'vue-i18n'
import { ElMessage, ElMessageBox } from 'element-plus'
import { changeInterfaceStatus, copyInterface, deleteInterface } from '@/api/dataservice'
import { VERSION_RE, nextMinorVersion } from '@/utils/interface'

/**
 * The lifecycle actions of a report API version with their confirmations, shared by the list and
 * the detail page:
 *
 *   const actions = useInterfaceActions({ onChanged: (row, action, result) => load() })
 *   actions.run(row, 'publish' | 'deprecate' | 'disable' | 'delete' | 'copy')
 *   actions.busy.value   // "code@version:action" while one runs
 *
 * 复制 asks for the new version (next minor by default) and opens the new draft's edit page.
 */
export function useInterfaceActions({ onChanged } = {}) {
  const { t } = useI18n()
  const router = useRouter()
  const busy = ref('')

  const CONFIRM = {
    publish: { type: 'info', button: '' },
    deprecate: { type: 'warning', button: '' },
    disable: { type: 'warning', button: 'el-button--danger' },
    delete: { type: 'warning', button: 'el-button--danger' },
  }

  async function confirm(row, action) {
    const c = CONFIRM[action]
    const name = `${row.code}@${row.version}`
    await ElMessageBox.confirm(t(`dataservice.iface.confirm.${action}`, { name }), t(`dataservice.iface.actions.${action}`), {
      type: c.type,
      confirmButtonText: t(`dataservice.iface.actions.${action}`),
      cancelButtonText: t('common.cancel'),
      confirmButtonClass: c.button,
    })
  }

  async function copy(row) {
    let value
    try {
      ;({ value } = await ElMessageBox.prompt(t('dataservice.iface.copyPrompt', { name: `${row.code}@${row.version}` }), t('dataservice.iface.actions.copy'), {
        inputValue: nextMinorVersion(row.version),
        inputPattern: VERSION_RE,
        inputErrorMessage: t('dataservice.iface.rules.versionFormat'),
        confirmButtonText: t('dataservice.iface.actions.copy'),
        cancelButtonText: t('common.cancel'),
      }))
    } catch {
      return
    }
    busy.value = `${row.code}@${row.version}:copy`
    try {
      const created = await copyInterface(row.code, row.version, { version: value.trim() })
      ElMessage.success(t('dataservice.iface.done.copy', { name: `${created.code}@${created.version}` }))
      onChanged?.(row, 'copy', created)
      router.push({ name: 'dataservice-interface-edit', params: { code: created.code }, query: { version: created.version } })
    } catch {
      // shown by the HTTP client (409 when that version exists)
    } finally {
      busy.value = ''
    }
  }

  async function run(row, action) {
    if (action === 'copy') return copy(row)
    try {
      await confirm(row, action)
    } catch {
      return
    }
    busy.value = `${row.code}@${row.version}:${action}`
    try {
      const result = action === 'delete' ? await deleteInterface(row.code, row.version) : await changeInterfaceStatus(row.code, row.version, action)
      ElMessage.success(t(`dataservice.iface.done.${action}`, { name: `${row.code}@${row.version}` }))
      onChanged?.(row, action, result)
    } catch {
      // shown by the HTTP client (409 on a move the lifecycle forbids)
    } finally {
      busy.value = ''
    }
  }

  const isBusy = (row, action) => busy.value === `${row.code}@${row.version}:${action}`

  return { busy, run, isBusy }
}
