// The session cookie and the few things routes do with it. The cookie is
// generic ("sid") so it says nothing about the stack; its attributes follow the
// contract: HttpOnly, SameSite=Lax, Path=/, no Domain, Secure exactly when the
// trusted LB says the request came over https.
import type { FastifyReply, FastifyRequest } from 'fastify'

export const SESSION_COOKIE_NAME = 'sid'

/** request.protocol believes X-Forwarded-Proto only from TRUSTED_PROXIES. */
export function isHttps (request: FastifyRequest): boolean {
  return request.protocol === 'https'
}

export function sessionCookieAttributes (request: FastifyRequest): { path: string, httpOnly: true, sameSite: 'lax', secure: boolean } {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: isHttps(request) }
}

type MaybeSession = FastifyRequest['session'] | Record<string, never> | null | undefined

function sessionOf (request: FastifyRequest): MaybeSession {
  return request.session
}

/** The id of this request's session (a fresh one's too), or undefined outside the session context. */
export function currentSessionId (request: FastifyRequest): string | undefined {
  const session = sessionOf(request)
  return session !== null && session !== undefined && 'sessionId' in session ? session.sessionId : undefined
}

/**
 * True when this request's session was loaded from the store (its cookie
 * named a stored session), as opposed to a fresh, unsaved one.
 */
export function hasStoredSession (request: FastifyRequest): boolean {
  const session = sessionOf(request)
  if (session === null || session === undefined || !('encryptedSessionId' in session)) return false
  const cookie = request.cookies?.[SESSION_COOKIE_NAME]
  return typeof cookie === 'string' && cookie === session.encryptedSessionId
}

/** Destroys the stored session on every replica (via the store) and clears the cookie. */
export async function endSession (request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  if (!hasStoredSession(request)) return false
  await request.session.destroy()
  reply.clearCookie(SESSION_COOKIE_NAME, sessionCookieAttributes(request))
  return true
}
