// What the web node needs from its session store. @stickless/memcached-store's
// MemcachedStore fits it; the tests use an in-memory fake with the same shape,
// so the app never builds the real store (only main.ts does). Which store
// errors mean "unavailable" is the store's own isStoreUnavailable.
import type { Session } from 'fastify'
import type { SessionPeek } from '@stickless/memcached-store'

export type { SessionPeek }

export type StoreCallback = (err?: Error | null) => void
export type StoreGetCallback = (err: Error | null | undefined, session?: Session | null) => void

export interface SessionServerHealth {
  /** 'host:port' */
  readonly id: string
  readonly state: 'up' | 'down' | 'recovering'
}

/** One entry of a user's session list: the id stays on the server, never in a response. */
export interface UserSession {
  readonly id: string
  /** The stored session data, as JSON left it: check each field's type before use. */
  readonly session: object
}

export interface WebSessionStore {
  // The @fastify/session store contract: a miss is cb(null, undefined), not an error.
  get (sessionId: string, callback: StoreGetCallback): void
  set (sessionId: string, session: Session, callback: StoreCallback): void
  destroy (sessionId: string, callback: StoreCallback): void
  /**
   * The session for a route that only reads it, or null when there is none
   * live (judged as get judges it, by the store, not by the cookie): no set
   * may follow, and what it returns is frozen.
   */
  getSessionReadOnly (sessionId: string): Promise<Readonly<Record<string, unknown>> | null>
  /** The next get of this session comes before a set (a route that changes it): the store may read for the write then. */
  expectWrite (sessionId: string): void
  /** Replicated fixed-window counter; resolves to the count after this hit. */
  hit (counterName: string, windowMs: number): Promise<number>
  /** The counter's current count, 0 when there is none. */
  peek (counterName: string): Promise<number>
  /**
   * Every live session of a user, from the store's per-user index, read
   * without extending any session's lifetime (listing must not keep an idle
   * browser signed in).
   */
  userSessions (userId: string): Promise<readonly UserSession[]>
  /**
   * Many sessions at once (one multi-get per server), read without extending
   * or writing any: live with its data, ended, or unknown (no replica
   * answered). The live channel's re-validation read.
   */
  peekSessions (sessionIds: readonly string[]): Promise<Map<string, SessionPeek>>
  /** "Log out everywhere": destroys every session of a user on every server; resolves to how many were live. */
  destroyUserSessions (userId: string): Promise<number>
  health (): readonly SessionServerHealth[]
  /** Running totals (hits, misses, readRepairs, failovers, ...); numbers only. */
  counters (): object
  close (): Promise<void>
}

export function isValueTooLarge (err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'STK_ERR_VALUE_TOO_LARGE'
}

/**
 * The store would not save a session that was destroyed meanwhile (a
 * request that raced its own logout, or a logout everywhere): the user is
 * signed out, so the request is answered as one without a session.
 */
export function isSessionDestroyed (err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'STK_ERR_SESSION_DESTROYED'
}
