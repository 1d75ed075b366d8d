// An in-memory stand-in for @stickless/memcached-store, for the few
// situations a real store on real memcached cannot produce (each test that
// uses it says which); every other web test runs on the real store
// (real-store.ts). Values round-trip through JSON, as in memcached (Dates
// become strings); like the real store it adds no field of its own, treats
// a session whose cookie expiry has passed as a miss, and takes calls
// without a callback. The frameworks' store contract
// (packages/memcached-store/test/helpers/store-contract.ts, run in
// fake-store-contract.test.ts) and the web node's (web-store-contract.ts)
// run against it as against the real store.
import type { Session } from 'fastify'
import { StoreError } from '@stickless/memcached-store'
import type { SessionPeek, SessionServerHealth, StoreCallback, StoreGetCallback, UserSession, WebSessionStore } from '../../src/session-store.js'

export class FakeSessionStore implements WebSessionStore {
  readonly #sessions = new Map<string, string>()
  readonly #counters = new Map<string, { count: number, expiresAt: number }>()
  /** Only listing a user's sessions fails, as the real store's outage error. */
  failUserSessions = false

  /** `now`: the clock expiry is judged on (the store contract moves a test clock). */
  constructor (private readonly now: () => number = Date.now) {}

  // callbacks are typed as the app passes them; calls without one (the contract makes some) are safe
  get (sessionId: string, callback: StoreGetCallback): void {
    setImmediate(() => {
      const value = this.#sessions.get(sessionId)
      const session = value === undefined ? undefined : JSON.parse(value) as Session
      const expires = (session?.cookie as { expires?: unknown } | undefined)?.expires
      if (typeof expires === 'string' && new Date(expires).getTime() <= this.now()) return callback?.(null, undefined)
      callback?.(null, session)
    })
  }

  async getSessionReadOnly (sessionId: string): Promise<Readonly<Record<string, unknown>> | null> {
    const session = await new Promise<Session | null | undefined>((resolve) => { this.get(sessionId, (_err, s) => { resolve(s) }) })
    return session === null || session === undefined ? null : Object.freeze(session as unknown as Record<string, unknown>)
  }

  set (sessionId: string, session: Session, callback: StoreCallback): void {
    setImmediate(() => {
      this.#sessions.set(sessionId, JSON.stringify(session))
      callback?.()
    })
  }

  /** Every session id a route announced a write of (expectWrite), in order. */
  readonly expectedWrites: string[] = []

  expectWrite (sessionId: string): void {
    this.expectedWrites.push(sessionId)
  }

  destroy (sessionId: string, callback: StoreCallback): void {
    setImmediate(() => {
      this.#sessions.delete(sessionId)
      callback?.()
    })
  }

  async hit (counterName: string, windowMs: number): Promise<number> {
    const now = Date.now()
    const current = this.#counters.get(counterName)
    if (current === undefined || current.expiresAt <= now) {
      this.#counters.set(counterName, { count: 1, expiresAt: now + windowMs })
      return 1
    }
    return ++current.count
  }

  async peek (counterName: string): Promise<number> {
    const current = this.#counters.get(counterName)
    return current === undefined || current.expiresAt <= Date.now() ? 0 : current.count
  }

  // The real store keeps a per-user index; scanning every session gives the same answer.
  #sessionsOf (userId: string): UserSession[] {
    return [...this.#sessions].map(([id, value]) => ({ id, session: JSON.parse(value) as Session })).filter((entry) => entry.session.user === userId)
  }

  async userSessions (userId: string): Promise<UserSession[]> {
    if (this.failUserSessions) throw new StoreError('STK_ERR_STORE_UNAVAILABLE', 'fake: listing failed')
    return this.#sessionsOf(userId)
  }

  async peekSessions (sessionIds: readonly string[]): Promise<Map<string, SessionPeek>> {
    const out = new Map<string, SessionPeek>()
    for (const id of sessionIds) {
      const value = this.#sessions.get(id)
      out.set(id, value === undefined ? { state: 'ended' } : { state: 'live', data: JSON.parse(value) as Record<string, unknown> })
    }
    return out
  }

  async destroyUserSessions (userId: string): Promise<number> {
    const live = this.#sessionsOf(userId)
    for (const { id } of live) this.#sessions.delete(id)
    return live.length
  }

  health (): SessionServerHealth[] {
    return [{ id: 'fake:1', state: 'up' }]
  }

  counters (): Record<string, number> {
    return {}
  }

  async close (): Promise<void> {}
}
