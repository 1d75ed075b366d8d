// What express-session expects of a store beyond get/set/destroy, which
// stores usually inherit from its Store class: createSession, regenerate and
// load. The store cannot extend that class (express-session is an optional
// peer, and @fastify/session users do not have it), so it builds sessions
// with the Session and Cookie classes of the express-session the app loaded.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { storeError } from '../errors.js'

/**
 * Where the store keeps the revision a session was read at, on the objects it
 * hands out: a symbol, never enumerable, so it is in no `Object.keys`, no
 * JSON and no copy a framework makes of the session.
 */
export const REVISION: unique symbol = Symbol.for('@stickless/memcached-store.revision')

export type StoreCallback<T = void> = (err?: any, value?: T) => void // eslint-disable-line @typescript-eslint/no-explicit-any

interface ExpressSessionModule {
  Session: new (req: unknown, data?: unknown) => Record<string, unknown>
  Cookie: new (options?: unknown) => Record<string, unknown>
}

function isExpressSession (mod: unknown): mod is ExpressSessionModule {
  if (typeof mod !== 'function') return false
  const m = mod as unknown as Partial<ExpressSessionModule>
  return typeof m.Session === 'function' && typeof m.Cookie === 'function'
}

let found: ExpressSessionModule | undefined

/**
 * The express-session module the app uses: the one already loaded (a CommonJS
 * module, also when the app imported it from ESM), else the one the app's
 * directory or this package resolves.
 */
export function expressSessionModule (): ExpressSessionModule {
  if (found !== undefined) return found
  const ownRequire = createRequire(import.meta.url)
  // the loaded module whose exports are express-session's: the middleware with
  // Session, Cookie and Store on it (looked up once, then kept)
  for (const mod of Object.values(ownRequire.cache)) {
    const exports: unknown = mod?.exports
    if (isExpressSession(exports) && typeof (exports as unknown as { Store?: unknown }).Store === 'function') {
      found = exports
      return found
    }
  }
  for (const base of [join(process.cwd(), 'index.js'), import.meta.url]) {
    try {
      const mod: unknown = createRequire(base)('express-session')
      if (isExpressSession(mod)) {
        found = mod
        return found
      }
    } catch {
      // not installed there
    }
  }
  throw storeError('STK_ERR_EXPRESS_SESSION_MISSING', 'createSession is only for express-session, and require("express-session") failed')
}

/**
 * express-session's Store#createSession: the stored data made into its Session
 * (with a Cookie) on `req`. The revision the data was read at stays on the
 * session, out of sight, for the save that follows.
 */
export function createExpressSession (req: Record<string, unknown>, data: Record<string | symbol, unknown>): Record<string, unknown> {
  const { Session, Cookie } = expressSessionModule()
  const revision = data[REVISION]
  // as express-session's own Store does: data without a cookie is an error
  // (a TypeError here), which express-session passes to next()
  const raw = data.cookie as Record<string, unknown>
  const expires = raw.expires
  const originalMaxAge = raw.originalMaxAge
  const cookie = new Cookie(raw)
  if (typeof expires === 'string') cookie.expires = new Date(expires)
  cookie.originalMaxAge = originalMaxAge
  data.cookie = cookie
  const session = new Session(req, data)
  if (revision !== undefined) Object.defineProperty(session, REVISION, { value: revision, enumerable: false, writable: true, configurable: true })
  req.session = session
  return session
}

/**
 * Runs `work` for a callback API whose callback is optional: with a callback,
 * it gets the outcome; without one, a failure is handed to `onError` (logged),
 * never left as an unhandled rejection that would end the process.
 */
export function settle<T> (work: Promise<T>, callback: StoreCallback<T> | undefined, onError: (err: Error) => void): void {
  if (typeof callback === 'function') {
    // outside the promise chain: a callback that throws (an assertion, a bug
    // in the app) throws as it would from any store, not into a rejection
    work.then((value) => { process.nextTick(callback, null, value) }, (err: Error) => { process.nextTick(callback, err) })
  } else {
    work.catch(onError)
  }
}
