// The callback contract of @fastify/session and express-session, over the
// store's promise API. Sessions are typed loosely so the store fits both
// frameworks' Store types, whose Session type each app augments, without
// depending on them. Every callback is optional: without one, a failure is
// logged, never thrown.
import { EventEmitter } from 'node:events'
import { createExpressSession, settle, type StoreCallback } from './express-session-api.js'
import type { StoreLogger } from '../options/options.js'
import type { SessionData } from '../policy/session-rules.js'

/* eslint-disable @typescript-eslint/no-explicit-any */
export abstract class FrameworkStore extends EventEmitter {
  abstract getSession (sessionId: string): Promise<SessionData | null>
  abstract setSession (sessionId: string, session: object): Promise<void>
  abstract touchSession (sessionId: string, session: object): Promise<void>
  abstract destroySession (sessionId: string): Promise<void>
  abstract allSessions (): Promise<Record<string, SessionData>>
  abstract clearSessions (): Promise<void>
  protected abstract get logger (): StoreLogger | undefined

  get (sessionId: string, callback?: (err: any, session?: any) => void): void {
    settle(this.getSession(sessionId), callback, this.reportUnhandled)
  }

  set (sessionId: string, session: any, callback?: (err?: any) => void): void {
    settle(this.setSession(sessionId, session as object), callback as StoreCallback, this.reportUnhandled)
  }

  destroy (sessionId: string, callback?: (err?: any) => void): void {
    settle(this.destroySession(sessionId), callback as StoreCallback, this.reportUnhandled)
  }

  /** Extends a session's lifetime as its cookie asks (express-session calls it on requests that do not save). */
  touch (sessionId: string, session: any, callback?: (err?: any) => void): void {
    settle(this.touchSession(sessionId, session as object), callback as StoreCallback, this.reportUnhandled)
  }

  /** Every live session of this store (keyPrefix), by id. Costs an `lru_crawler metadump` of every server: see the README. */
  all (callback?: (err: any, sessions?: any) => void): void {
    settle(this.allSessions(), callback, this.reportUnhandled)
  }

  /** How many live sessions this store holds; the cost of `all`. */
  length (callback?: (err: any, length?: number) => void): void {
    settle(this.allSessions().then((all) => Object.keys(all).length), callback, this.reportUnhandled)
  }

  /** Deletes every session (and user index) of this store's keyPrefix, never anything else: no flush_all. */
  clear (callback?: (err?: any) => void): void {
    settle(this.clearSessions(), callback as StoreCallback, this.reportUnhandled)
  }

  /** express-session's Store#createSession: the stored data as its Session, on req.session. */
  createSession (req: any, session: any): any {
    return createExpressSession(req as Record<string, unknown>, session as Record<string | symbol, unknown>)
  }

  /** express-session's Store#regenerate: destroys the session, then lets express-session generate a new one. */
  regenerate (req: any, callback?: (err?: any) => any): void {
    const generate = (this as unknown as { generate?: (req: unknown) => void }).generate
    this.destroySession((req as { sessionID: string }).sessionID).then(() => undefined, (err: Error) => err).then((err) => {
      if (typeof generate === 'function') generate.call(this, req)
      if (typeof callback === 'function') callback(err)
      else if (err !== undefined) this.reportUnhandled(err)
    }, this.reportUnhandled)
  }

  /** express-session's Store#load: a session by id, as its Session object; a miss is callback() with nothing. */
  load (sessionId: string, callback?: (err: any, session?: any) => any): void {
    settle(this.getSession(sessionId).then((data): unknown => data === null
      ? undefined
      : createExpressSession({ sessionID: sessionId, sessionStore: this }, data)), callback, this.reportUnhandled)
  }

  private readonly reportUnhandled = (err: Error): void => {
    this.logger?.warn({ err: err.message, code: (err as { code?: unknown }).code }, 'a session store call without a callback failed')
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */
