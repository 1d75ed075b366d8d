// Sessions for the routes that need them, and only those: registered inside
// their encapsulated context, so /healthz and /metrics never touch the store.
import fp from 'fastify-plugin'
import fastifySession from '@fastify/session'
import type { CookieSigner } from '../caching-signer.js'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { WebSessionStore } from '../session-store.js'
import { SESSION_COOKIE_NAME, isHttps } from '../session-cookie.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route changes the session whenever it is signed in (see session-support.ts). */
    writesSession?: boolean
  }
}

export interface SessionSupportOptions {
  readonly store: Pick<WebSessionStore, 'get' | 'set' | 'destroy' | 'expectWrite'>
  /** Signs with the first secret, verifies with all (rotation). */
  readonly signer: CookieSigner
  readonly idleTimeoutMs: number
}

async function sessionSupport (instance: FastifyInstance, options: SessionSupportOptions): Promise<void> {
  const { signer } = options

  // Before @fastify/session reads the session, two things about its cookie.
  // @fastify/session unsigns with every secret but compares the cookie with
  // the id signed by the first one, and clears the cookie of an unchanged
  // session when they differ: a read-only request after a secret rotation
  // would sign the user out. Re-signing the parsed cookie first avoids that;
  // the next saving response sends the client the newly signed value. And a
  // route that changes the session tells the store so before its read.
  instance.addHook('onRequest', function prepareSessionRead (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const value = request.cookies?.[SESSION_COOKIE_NAME]
    if (typeof value === 'string' && value.length > 0) {
      const unsigned = signer.unsign(value)
      if (unsigned.valid && unsigned.value !== null) {
        if (unsigned.renew) request.cookies[SESSION_COOKIE_NAME] = signer.sign(unsigned.value)
        // A route that changes the session: the store's read (@fastify/session's,
        // next) can then read every replica for the write in one round.
        if (request.routeOptions.config.writesSession === true) options.store.expectWrite(unsigned.value)
      }
    }
    done()
  })

  await instance.register(fastifySession, {
    secret: signer,
    cookieName: SESSION_COOKIE_NAME,
    // The store reports a touched session's extended expiry itself, so
    // @fastify/session's own expiry check agrees with memcached's TTL.
    store: options.store,
    saveUninitialized: false, // anonymous traffic must not fill memcached
    // Every response re-saves (the store turns an unchanged session into a
    // touch), which keeps an active session alive.
    rolling: true,
    cookie: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: 'auto', // replaced per request below
      maxAge: options.idleTimeoutMs
    }
  })

  instance.addHook('onRequest', function applySessionPolicy (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const session = request.session as FastifyRequest['session'] | null | Record<string, never>
    if (session !== null && 'sessionId' in session) {
      // A stored session remembers the Secure flag of the request that created
      // it, and @fastify/session silently skips saving a Secure cookie over
      // http. The flag must follow this request's scheme instead.
      session.cookie.secure = isHttps(request)
    }
    done()
  })
}

export default fp(sessionSupport, {
  name: 'stickless-session-support',
  fastify: '5.x',
  dependencies: ['@fastify/cookie']
})
