import { computed, shallowRef, ref } from 'vue'
import { listDatasourceTypes } from '@/api/datasource'
import { t, te } from '@/locales'

// The datasource types the server supports (GET /api/datasources/types), fetched once per page
// load and shared by every component that needs them (filters, forms, type badges).

const types = shallowRef([])
const loading = ref(false)
let pending = null

function fetchTypes(force) {
  if (pending && !force) return pending
  loading.value = true
  pending = listDatasourceTypes({ silent: true })
    .then((data) => {
      types.value = Array.isArray(data) ? data : []
      return types.value
    })
    .catch((err) => {
      pending = null // try again next time
      throw err
    })
    .finally(() => {
      loading.value = false
    })
  return pending
}

/** Display name of a type: the locale's name, else the server's label, else the key. */
export function datasourceTypeLabel(type, info) {
  if (!type) return ''
  if (te(`datasource.typeNames.${type}`)) return t(`datasource.typeNames.${type}`)
  return info?.label || type
}

/**
 *   const { types, loading, load, byType, typeLabel } = useDatasourceTypes()
 *   onMounted(load)
 */
export function useDatasourceTypes() {
  const byType = computed(() => Object.fromEntries(types.value.map((ty) => [ty.type, ty])))

  function load({ force = false } = {}) {
    return fetchTypes(force).catch(() => types.value)
  }

  function typeLabel(type) {
    return datasourceTypeLabel(type, byType.value[type])
  }

  /** Label of the database field for a type, translated when the locale knows it. */
  function databaseLabel(type) {
    const raw = byType.value[type]?.database_label
    // "Catalog.Schema" → datasource.databaseLabels.catalog_schema
    const key = raw ? `datasource.databaseLabels.${raw.toLowerCase().replace(/[^a-z0-9]+/g, '_')}` : ''
    if (key && te(key)) return t(key)
    return raw || t('datasource.fields.database')
  }

  return { types, loading, load, byType, typeLabel, databaseLabel }
}
