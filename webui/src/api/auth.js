import http from './http'

/** POST /api/auth/login → { token, expiresAt, user }. Errors are shown by the login form. */
export function login(username, password) {
  return http.post('/api/auth/login', { username, password }, { skipAuthRedirect: true, silent: true })
}

export function logout() {
  return http.post('/api/auth/logout', null, { skipAuthRedirect: true, silent: true })
}

/** GET /api/auth/me. Pass `{ silent: true, skipAuthRedirect: true }` to handle failures yourself. */
export function fetchMe(config = {}) {
  return http.get('/api/auth/me', config)
}

export function changePassword(oldPassword, newPassword) {
  return http.post('/api/auth/password', { oldPassword, newPassword })
}
