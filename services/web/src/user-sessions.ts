// "Your sessions": what a user may see of their own sessions. Never an id, a
// key or anything else that could be replayed: only when a session signed
// in, when and where it was last seen, what browser it is, and its handle
// (session-handle.ts), which names it for revoking and for nothing else.
import type { Session } from 'fastify'
import type { UserSession, WebSessionStore } from './session-store.js'
import { signedInUserOf, type Hop } from './session-data.js'
import type { SessionHandle } from './session-handle.js'

export interface SessionSummary {
  /** Names the session for DELETE /api/sessions/{handle}; not its id, and no cookie. */
  readonly handle: string
  /** True for the session of the request that asked. */
  readonly current: boolean
  /** ISO 8601 */
  readonly createdAt: string
  /** ISO 8601 */
  readonly lastSeenAt: string
  /** The node that served its last saved request. */
  readonly node: string
  readonly userAgent: string
}

function isHop (value: unknown): value is Hop {
  const hop = value as Partial<Hop> | null | undefined
  return typeof hop?.node === 'string' && typeof hop.at === 'string' && !Number.isNaN(Date.parse(hop.at))
}

function iso (ms: number | undefined): string {
  return new Date(typeof ms === 'number' && Number.isFinite(ms) ? ms : 0).toISOString()
}

/** The summary of one session; lastSeen falls back to the sign-in for sessions saved before it existed. */
export function summarizeSession (entry: UserSession, currentId: string | undefined, handleOf: SessionHandle): SessionSummary {
  const session = entry.session as Partial<Session>
  const hops = Array.isArray(session.hops) ? session.hops : []
  const seen = isHop(session.lastSeen) ? session.lastSeen : hops.filter(isHop).at(-1)
  return {
    handle: handleOf(entry.id),
    current: entry.id === currentId,
    createdAt: iso(session.createdAt),
    lastSeenAt: seen?.at ?? iso(session.createdAt),
    node: seen?.node ?? 'unknown',
    userAgent: typeof session.userAgent === 'string' ? session.userAgent : 'Unknown client'
  }
}

function createdAtOf (entry: UserSession): number {
  const at = (entry.session as Partial<Session>).createdAt
  return typeof at === 'number' && Number.isFinite(at) ? at : 0
}

/**
 * The user's live sessions with their ids (which stay on the server), newest
 * sign-in first. A session the index still names but that now belongs to
 * nobody, or to someone else, or is past its absolute lifetime, is left out.
 */
export async function userSessionEntries (store: Pick<WebSessionStore, 'userSessions'>, user: string, absoluteTimeoutMs: number, now = Date.now()): Promise<UserSession[]> {
  const entries = await store.userSessions(user)
  return entries
    .filter((entry) => signedInUserOf(entry.session as Partial<Session>, absoluteTimeoutMs, now) === user)
    .sort((a, b) => createdAtOf(b) - createdAtOf(a))
}

/** The user's live sessions as "Your sessions" shows them, newest sign-in first. */
export async function listSessions (store: Pick<WebSessionStore, 'userSessions'>, user: string, currentId: string | undefined, absoluteTimeoutMs: number, handleOf: SessionHandle, now = Date.now()): Promise<SessionSummary[]> {
  const entries = await userSessionEntries(store, user, absoluteTimeoutMs, now)
  return entries.map((entry) => summarizeSession(entry, currentId, handleOf))
}
