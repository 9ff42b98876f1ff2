// The one HTTP client of the console.
//
// Every response of the AssetFlow API uses the same envelope:
//   success: { code: "OK", message, success: true, data, meta? }
//   error:   { code, message, success: false, details? }
// This client unwraps it: a call resolves to `data`, or to `{ items, meta }`
// when the request is made with `withMeta: true` (list endpoints). Failures
// reject with an ApiError and, unless the request sets `silent: true`, are
// shown with ElMessage. A 401 clears the session and routes to the login page,
// except for requests made with `skipAuthRedirect: true` (the login call).
// `download` fetches a file (CSV export) with the same token and error handling.
import axios from 'axios'
import { ElMessage } from 'element-plus'
import { t, te } from '@/locales'

export class ApiError extends Error {
  constructor({ status = 0, code = 'NETWORK_ERROR', message, details = null, data = null }) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
    this.data = data
  }

  /** Field → message map, for showing server-side validation next to form fields. */
  get fieldErrors() {
    const out = {}
    if (Array.isArray(this.details)) {
      for (const d of this.details) if (d && d.field) out[d.field] = d.message
    }
    return out
  }
}

const hooks = {
  getToken: () => null,
  onUnauthorized: () => {},
}

/** Wires the client to the session store and router (called once from main.js). */
export function configureHttp({ getToken, onUnauthorized } = {}) {
  if (getToken) hooks.getToken = getToken
  if (onUnauthorized) hooks.onUnauthorized = onUnauthorized
}

const http = axios.create({
  baseURL: '/',
  timeout: 30000,
  headers: { Accept: 'application/json' },
})

http.interceptors.request.use((config) => {
  const token = hooks.getToken()
  if (token && !config.headers.Authorization) {
    config.headers.Authorization = `Bearer ${token}`
  }
  return config
})

/**
 * First detail of an error envelope as { field, message }: details may be an array of
 * {field, message} (or strings) or a plain object of field → message.
 */
export function firstDetail(details) {
  if (!details) return null
  if (Array.isArray(details)) {
    const d = details[0]
    if (!d) return null
    if (typeof d === 'string') return { field: '', message: d }
    return { field: d.field || '', message: d.message || '' }
  }
  if (typeof details === 'object') {
    const [key, value] = Object.entries(details)[0] || []
    if (key === undefined || value === null || value === undefined || value === '') return null
    return { field: key, message: typeof value === 'object' ? JSON.stringify(value) : String(value) }
  }
  return { field: '', message: String(details) }
}

/** The message the user sees for an ApiError: the server's message plus the first detail. */
export function errorText(err) {
  if (!(err instanceof ApiError)) return err?.message || t('http.networkError')
  const base = err.message || (te(`http.codes.${err.code}`) ? t(`http.codes.${err.code}`) : '')
  const d = firstDetail(err.details)
  if (!d || !d.message || (base && base.includes(d.message))) {
    return base || d?.message || t('http.requestFailed', { status: err.status })
  }
  const detail = d.field && !d.message.toLowerCase().includes(d.field.toLowerCase()) ? `${d.field}: ${d.message}` : d.message
  return base ? t('http.withDetail', { message: base, detail }) : detail
}

let unauthorizedShownAt = 0

function toApiError(error) {
  if (error instanceof ApiError) return error
  if (axios.isCancel(error)) {
    return new ApiError({ code: 'CANCELED', message: 'canceled' })
  }
  const res = error.response
  if (!res) {
    const timeout = error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT'
    return new ApiError({
      code: timeout ? 'TIMEOUT' : 'NETWORK_ERROR',
      message: t(timeout ? 'http.timeout' : 'http.networkError'),
    })
  }
  const body = res.data && typeof res.data === 'object' ? res.data : {}
  const code = body.code || (res.status === 401 ? 'UNAUTHORIZED' : 'HTTP_ERROR')
  const message =
    body.message || (te(`http.codes.${code}`) ? t(`http.codes.${code}`) : t('http.requestFailed', { status: res.status }))
  return new ApiError({ status: res.status, code, message, details: body.details ?? null, data: body })
}

function fail(config, apiError) {
  if (apiError.code === 'CANCELED') return Promise.reject(apiError)

  if (apiError.status === 401 && !config.skipAuthRedirect) {
    const now = Date.now()
    // Several requests may fail at once when a session expires: notify once.
    if (now - unauthorizedShownAt > 3000) {
      unauthorizedShownAt = now
      ElMessage({ type: 'warning', message: t('http.sessionExpired'), grouping: true })
    }
    hooks.onUnauthorized()
    return Promise.reject(apiError)
  }

  if (!config.silent) {
    ElMessage({ type: 'error', message: errorText(apiError), grouping: true, showClose: true, duration: 4000 })
  }
  return Promise.reject(apiError)
}

http.interceptors.response.use(
  (response) => {
    const body = response.data
    const config = response.config || {}
    if (body && typeof body === 'object' && 'success' in body) {
      if (body.success === false) {
        return fail(
          config,
          new ApiError({
            status: response.status,
            code: body.code || 'HTTP_ERROR',
            message: body.message,
            details: body.details ?? null,
            data: body,
          }),
        )
      }
      if (config.withMeta) {
        return { items: Array.isArray(body.data) ? body.data : [], meta: body.meta || null }
      }
      return body.data
    }
    // Not an envelope (e.g. /healthz text): hand back the raw body.
    return body
  },
  (error) => fail(error.config || {}, toApiError(error)),
)

/** "attachment; filename*=UTF-8''a%20b.csv" / 'attachment; filename="a.csv"' → the file name. */
export function filenameFromDisposition(header) {
  const value = String(header || '')
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)?''([^;]+)/.exec(value)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      // fall back to the plain form
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(value)
  return plain ? (plain[2] ?? plain[1]).trim() : ''
}

/** Hands a Blob to the browser as a download. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename || 'download'
  a.style.display = 'none'
  document.body.appendChild(a)
  a.click()
  document.body.removeChild(a)
  setTimeout(() => URL.revokeObjectURL(url), 30000)
}

/**
 * Downloads a file the server streams (e.g. a CSV export): POSTs `body` as JSON with the session's
 * token and saves the answer under the server's Content-Disposition name (else `fallbackName`).
 * An error envelope (sent before the first byte) rejects with an ApiError, shown unless `silent`;
 * a 401 ends the session like any other request. Resolves to { filename, size }.
 */
export async function download(url, { method = 'POST', body, fallbackName = 'download', silent = false, signal } = {}) {
  const config = { silent }
  const headers = { Accept: '*/*' }
  const token = hooks.getToken()
  if (token) headers.Authorization = `Bearer ${token}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  let res
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal })
  } catch (err) {
    if (err?.name === 'AbortError') return fail(config, new ApiError({ code: 'CANCELED', message: 'canceled' }))
    return fail(config, new ApiError({ code: 'NETWORK_ERROR', message: t('http.networkError') }))
  }
  const type = res.headers.get('Content-Type') || ''
  if (!res.ok || type.includes('application/json')) {
    const envelope = await res.json().catch(() => null)
    const data = envelope && typeof envelope === 'object' ? envelope : {}
    if (res.ok && data.success !== false) {
      // A JSON file is still a file.
      const blob = new Blob([JSON.stringify(envelope)], { type })
      const filename = filenameFromDisposition(res.headers.get('Content-Disposition')) || fallbackName
      saveBlob(blob, filename)
      return { filename, size: blob.size }
    }
    const code = data.code || (res.status === 401 ? 'UNAUTHORIZED' : 'HTTP_ERROR')
    const message =
      data.message || (te(`http.codes.${code}`) ? t(`http.codes.${code}`) : t('http.requestFailed', { status: res.status }))
    return fail(config, new ApiError({ status: res.status, code, message, details: data.details ?? null, data }))
  }
  const blob = await res.blob()
  const filename = filenameFromDisposition(res.headers.get('Content-Disposition')) || fallbackName
  saveBlob(blob, filename)
  return { filename, size: blob.size }
}

export default http
