// Sessions for routes that only read them (GET /api/session): the same cookie,
// signer and store as @fastify/session, without its Session object. A
// read-only route never saves, so what @fastify/session builds for it is pure
// cost: a copy of the session with a Cookie object, and a sha256 over a stable
// stringify of the whole session on load and again in isModified(). On a
// signed-in read that is the biggest cost after logging, and the one that
// grows with the session (37% of the CPU at 64 KB).
//
// Every route that may create, change or end a session stays on
// @fastify/session (session-support.ts). What this keeps of its behaviour:
// the store's get (which extends the TTL when due, like any read), and a
// cookie that names no valid, live session is cleared as @fastify/session
// clears it. It never writes: an expired session is signed out, not replaced.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Session } from 'fastify'
import type { CookieSigner } from '../caching-signer.js'
import type { WebSessionStore } from '../session-store.js'
import { SESSION_COOKIE_NAME } from '../session-cookie.js'

export interface StoredSession {
  readonly id: string
  readonly data: Session
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The session the cookie names, loaded read-only; null when there is none. */
    storedSession: StoredSession | null
  }
}

export interface ReadOnlySessionOptions {
  readonly store: Pick<WebSessionStore, 'get'>
  readonly signer: CookieSigner
}

function expired (data: Session, now: number): boolean {
  const cookie = (data as { cookie?: { expires?: unknown } }).cookie
  const expires = cookie?.expires
  if (expires === undefined || expires === null) return false
  const at = expires instanceof Date ? expires.getTime() : new Date(expires as string).getTime()
  return Number.isFinite(at) && at <= now
}

async function readOnlySession (instance: FastifyInstance, options: ReadOnlySessionOptions): Promise<void> {
  const { store, signer } = options
  instance.decorateRequest('storedSession', null)

  instance.addHook('onRequest', function loadStoredSession (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) {
    const cookie = request.cookies[SESSION_COOKIE_NAME]
    if (cookie === undefined || cookie === '') {
      done()
      return
    }
    const unsigned = signer.unsign(cookie)
    if (!unsigned.valid) {
      clearSessionCookie(reply)
      done()
      return
    }
    const id = unsigned.value
    store.get(id, (err, data) => {
      if (err !== null && err !== undefined) {
        done(err)
        return
      }
      if (data === null || data === undefined || expired(data, Date.now())) {
        clearSessionCookie(reply)
      } else {
        request.storedSession = { id, data }
      }
      done()
    })
  })
}

/** As @fastify/session clears a cookie that names no session it can use. */
function clearSessionCookie (reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE_NAME, { path: '/' })
}

export default fp(readOnlySession, {
  name: 'stickless-read-only-session',
  fastify: '5.x',
  dependencies: ['@fastify/cookie']
})
