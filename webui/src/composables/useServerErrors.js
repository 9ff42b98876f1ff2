import { reactive } from 'vue'

/**
 * Server-side validation messages shown next to form fields.
 *
 *   const serverErrors = useServerErrors()
 *   <el-form-item prop="name" :error="serverErrors.errors.name">
 *   try { await save() } catch (err) { serverErrors.apply(err) }
 *
 * `apply` takes an ApiError and copies its details (field → message) into `errors`;
 * `mapField` renames a server field to a form item (return '' to skip it), e.g.
 * "params.charset" → "params". `clear(field)` drops one message, `clear()` all of them.
 */
export function useServerErrors(mapField = (field) => field) {
  const errors = reactive({})

  function clear(field) {
    if (field) {
      delete errors[field]
      return
    }
    for (const key of Object.keys(errors)) delete errors[key]
  }

  /** Shows the error's field details; returns true when at least one field got a message. */
  function apply(err) {
    clear()
    for (const [field, message] of Object.entries(err?.fieldErrors || {})) {
      const key = mapField(field)
      if (key && message) errors[key] = errors[key] ? `${errors[key]}; ${message}` : message
    }
    return Object.keys(errors).length > 0
  }

  function set(field, message) {
    if (field && message) errors[field] = message
  }

  return { errors, clear, apply, set }
}
