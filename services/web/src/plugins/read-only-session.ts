// Sessions for routes that only read them (GET /api/session): the same cookie,
// signer and store as @fastify/session, without its Session object. A
// read-only route never saves, so what @fastify/session builds for it is pure
// cost: a copy of the session with a Cookie object, and a sha256 over a stable
// stringify of the whole session on load and again in isModified(). On a
// signed-in read that is the biggest cost after logging, and the one that
// grows with the session (37% of the CPU at 64 KB).
//
// Every route that may create, change or end a session stays on
// @fastify/session (session-support.ts). What this keeps of its behaviour: a
// cookie that names no valid, live session is cleared as @fastify/session
// clears it. It never writes: an expired session is signed out, not replaced.
// It reads with the store's getSessionReadOnly, which judges liveness as a
// get does but keeps nothing for a save and hands out the session it
// decoded, frozen and shared, instead of a copy of its own. Measured on one
// node, side by side with a get (bench/src/node-quick.ts, 50 connections):
// 48 -> 44 µs of CPU per signed-in read at 200 B, 74 -> 61 µs at 4 KB.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Session } from 'fastify'
import type { CookieSigner } from '../caching-signer.js'
import type { WebSessionStore } from '../session-store.js'
import { SESSION_COOKIE_NAME } from '../session-cookie.js'

export interface StoredSession {
  readonly id: string
  /** Frozen: a read-only route changes nothing. */
  readonly data: Readonly<Session>
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The session the cookie names, loaded read-only; null when there is none. */
    storedSession: StoredSession | null
  }
}

export interface ReadOnlySessionOptions {
  readonly store: Pick<WebSessionStore, 'getSessionReadOnly'>
  readonly signer: CookieSigner
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
    store.getSessionReadOnly(id).then((data) => {
      // stored JSON, frozen: the routes check each field's type (session-data.ts) and change nothing
      if (data === null) clearSessionCookie(reply)
      else request.storedSession = { id, data: data as Readonly<Session> }
      done()
    }, done)
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
