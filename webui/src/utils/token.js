/**
 * The claims of a session token (a JWT) without checking its signature — only to recognise the
 * browser's own session (claim `sid`) in lists; the server decides everything else.
 * Returns null for API keys or anything that is not a JWT.
 */
export function tokenClaims(token) {
  const part = String(token || '').split('.')[1]
  if (!part) return null
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=')
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
    const claims = JSON.parse(new TextDecoder().decode(bytes))
    return claims && typeof claims === 'object' ? claims : null
  } catch {
    return null
  }
}

/** The session id (`sid`) of a session token, or '' when it carries none. */
export function tokenSessionId(token) {
  const sid = tokenClaims(token)?.sid
  return typeof sid === 'string' ? sid : ''
}
