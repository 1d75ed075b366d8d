// An in-memory stand-in for @stickless/memcached-store with the same surface.
// Values round-trip through JSON, as in memcached (Dates become strings); like
// the real store it adds no field of its own, treats a session whose cookie
// expiry has passed as a miss, and takes calls without a callback. The store
// contract (packages/memcached-store/test/store-contract.ts) runs against
// both, in test/fake-store-contract.test.ts.
import type { Session } from 'fastify'
import { StoreError } from '@stickless/memcached-store'
import type { SessionServerHealth, StoreCallback, StoreGetCallback, UserSession, WebSessionStore } from '../src/session-store.js'


export class FakeSessionStore implements WebSessionStore {
  readonly sessions = new Map<string, string>()
  readonly #counters = new Map<string, { count: number, expiresAt: number }>()
  readonly calls = { get: 0, set: 0, destroy: 0, hit: 0, peek: 0, userSessions: 0, destroyUserSessions: 0 }
  /** Every server down: every call fails with STK_ERR_STORE_UNAVAILABLE. */
  down = false
  /** Only writes fail. */
  failWrites = false
  /** Ids whose next saves fail as the real store's do after a concurrent destroy. */
  readonly destroyedMeanwhile = new Set<string>()
  /** Only listing a user's sessions fails. */
  failUserSessions = false
  now: () => number = () => Date.now()

  // The real store's error, so the app's mapping is tested against it.
  #unavailable (): Error {
    return new StoreError('STK_ERR_STORE_UNAVAILABLE', 'fake: every server is down')
  }

  // callbacks are typed as the app passes them; calls without one (the contract makes some) are safe
  get (sessionId: string, callback: StoreGetCallback): void {
    this.calls.get++
    setImmediate(() => {
      if (this.down) return callback?.(this.#unavailable())
      const value = this.sessions.get(sessionId)
      const session = value === undefined ? undefined : JSON.parse(value) as Session
      const expires = (session?.cookie as { expires?: unknown } | undefined)?.expires
      if (typeof expires === 'string' && new Date(expires).getTime() <= this.now()) return callback?.(null, undefined)
      callback?.(null, session)
    })
  }

  set (sessionId: string, session: Session, callback: StoreCallback): void {
    this.calls.set++
    setImmediate(() => {
      if (this.down || this.failWrites) return callback?.(this.#unavailable())
      // The real store's answer to a save of a session destroyed since it was read.
      if (this.destroyedMeanwhile.has(sessionId)) return callback?.(new StoreError('STK_ERR_SESSION_DESTROYED', 'fake: destroyed meanwhile'))
      this.sessions.set(sessionId, JSON.stringify(session))
      callback?.()
    })
  }

  destroy (sessionId: string, callback: StoreCallback): void {
    this.calls.destroy++
    setImmediate(() => {
      if (this.down || this.failWrites) return callback?.(this.#unavailable())
      this.sessions.delete(sessionId)
      callback?.()
    })
  }

  async hit (counterName: string, windowMs: number): Promise<number> {
    this.calls.hit++
    if (this.down) throw this.#unavailable()
    const now = this.now()
    const current = this.#counters.get(counterName)
    if (current === undefined || current.expiresAt <= now) {
      this.#counters.set(counterName, { count: 1, expiresAt: now + windowMs })
      return 1
    }
    current.count++
    return current.count
  }

  async peek (counterName: string): Promise<number> {
    this.calls.peek++
    if (this.down) throw this.#unavailable()
    const current = this.#counters.get(counterName)
    return current === undefined || current.expiresAt <= this.now() ? 0 : current.count
  }

  // The real store keeps a per-user index; scanning every session gives the same answer.
  #sessionsOf (userId: string): UserSession[] {
    return [...this.sessions].map(([id, value]) => ({ id, session: JSON.parse(value) as Session })).filter((entry) => entry.session.user === userId)
  }

  async userSessions (userId: string): Promise<UserSession[]> {
    this.calls.userSessions++
    if (this.down || this.failUserSessions) throw this.#unavailable()
    return this.#sessionsOf(userId)
  }

  async destroyUserSessions (userId: string): Promise<number> {
    this.calls.destroyUserSessions++
    if (this.down || this.failWrites) throw this.#unavailable()
    const live = this.#sessionsOf(userId)
    for (const { id } of live) this.sessions.delete(id)
    return live.length
  }

  health (): SessionServerHealth[] {
    const state = this.down ? 'down' : 'up'
    return [{ id: '127.0.0.1:11211', state }, { id: '127.0.0.1:11212', state }]
  }

  counters (): Record<string, number> {
    return { hits: this.calls.get, writes: this.calls.set, failovers: 0 }
  }

  async close (): Promise<void> {}

  /** The stored value of a session, parsed. */
  read (sessionId: string): Record<string, unknown> | undefined {
    const value = this.sessions.get(sessionId)
    return value === undefined ? undefined : JSON.parse(value) as Record<string, unknown>
  }
}
