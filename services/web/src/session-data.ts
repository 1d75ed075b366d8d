// The shape of a signed-in session and the pure rules around it. Values go
// through JSON in memcached, so times are numbers and ISO strings, not Dates.
import type { FastifyRequest } from 'fastify'

export interface Hop {
  readonly node: string
  /** ISO 8601 */
  readonly at: string
}

declare module 'fastify' {
  interface Session {
    user?: string
    /** ms since the epoch, when the user signed in */
    createdAt?: number
    hops?: Hop[]
    cart?: string[]
    /** A short summary of the browser that signed in ("Chrome 156 on Linux"), for the sessions panel. */
    userAgent?: string
    /** The last request that saved this session: which node, and when. */
    lastSeen?: Hop
  }
}

export const MAX_HOPS = 10
export const MAX_CART_ITEMS = 100
/** Sessions the store's per-user index remembers per user (its maxSessionsPerUser): the bound of "Your sessions". */
export const MAX_SESSIONS_PER_USER = 100

/** The hops with one more at the end, keeping the last MAX_HOPS. */
export function appendHop (hops: readonly Hop[] | undefined, hop: Hop): Hop[] {
  return [...(hops ?? []), hop].slice(-MAX_HOPS)
}

/**
 * The signed-in user of this request, or undefined. A session past its
 * absolute lifetime counts as signed out even while it is still active.
 */
export function signedInUser (request: FastifyRequest, absoluteTimeoutMs: number, now = Date.now()): string | undefined {
  // request.session is {} or null outside a loaded session (see @fastify/session).
  return signedInUserOf(request.session, absoluteTimeoutMs, now)
}

/** signedInUser for session data read without @fastify/session (read-only-session.ts). */
export function signedInUserOf (session: Partial<FastifyRequest['session']> | null | undefined, absoluteTimeoutMs: number, now = Date.now()): string | undefined {
  const user = session?.user
  if (typeof user !== 'string' || user.length === 0) return undefined
  const createdAt = session?.createdAt
  if (typeof createdAt !== 'number' || now - createdAt >= absoluteTimeoutMs) return undefined
  return user
}
