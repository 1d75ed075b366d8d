// The re-validation tick (docs/live-channel.md): memcached has no
// publish/subscribe, so every `intervalMs` the node reads, in one batched
// peek, every session that has a socket here. An ended session closes its
// sockets with 4001; a live one pushes its cart when it changed. In the same
// tick a bounded number of users have their session lists read, so a page
// learns of a sign-in or a revoke elsewhere; and the cluster's state is
// pushed when it changed. A store that cannot answer closes nothing.
import type { FastifyBaseLogger } from 'fastify'
import type { SessionPeek, WebSessionStore } from '../session-store.js'
import type { NodesStatusSource } from '../nodes-status.js'
import type { SessionHandle } from '../session-handle.js'
import { signedInUserOf } from '../session-data.js'
import { summarizeSession, userSessionEntries } from '../user-sessions.js'
import type { UserSession } from '../session-store.js'
import { cartOf, clusterView, LIVE_CLOSE, type ClusterView } from './live-messages.js'
import type { LiveRegistry } from './live-registry.js'
import type { LiveSocket } from './live-socket.js'

/**
 * Users whose session lists one tick reads, at most: a listing is one index
 * read and one peek per session of the user (at most maxSessionsPerUser), so
 * this bounds a tick's cost whatever the number of users with sockets here;
 * past it, users take turns.
 */
export const LISTINGS_PER_TICK = 32

export interface LiveCheckerOptions {
  readonly registry: LiveRegistry
  readonly store: Pick<WebSessionStore, 'peekSessions' | 'userSessions' | 'health'>
  readonly nodes: NodesStatusSource
  readonly handleOf: SessionHandle
  readonly intervalMs: number
  readonly absoluteTimeoutMs: number
  readonly log: FastifyBaseLogger
}

/** Sends a user's sockets their session list, each with its own `current`. */
export function pushSessions (sockets: readonly LiveSocket[], entries: readonly UserSession[], handleOf: SessionHandle): void {
  for (const socket of sockets) socket.pushSessions(entries.map((entry) => summarizeSession(entry, socket.sessionId, handleOf)))
}

/** The cluster's state for a push; undefined when even the store's health cannot be read. */
export async function readCluster (nodes: NodesStatusSource, store: Pick<WebSessionStore, 'health'>): Promise<ClusterView | undefined> {
  try {
    return clusterView(await nodes.snapshot(), store.health())
  } catch {
    return undefined
  }
}

export class LiveChecker {
  readonly #o: LiveCheckerOptions
  #timer: NodeJS.Timeout | undefined
  #inFlight = false
  #userCursor = 0

  constructor (options: LiveCheckerOptions) {
    this.#o = options
  }

  start (): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => { void this.tick() }, this.#o.intervalMs)
    // the tick never keeps a process alive
    this.#timer.unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** One re-validation; a tick that finds the previous one still reading is skipped. */
  async tick (): Promise<void> {
    const { registry } = this.#o
    if (this.#inFlight || registry.size === 0) return
    this.#inFlight = true
    try {
      const [peeks, listings, cluster] = await Promise.all([
        this.#o.store.peekSessions(registry.sessionIds()).catch(() => new Map<string, SessionPeek>()),
        Promise.all(this.#usersThisTick().map(async (user) => await this.#listing(user))),
        readCluster(this.#o.nodes, this.#o.store)
      ])
      for (const [id, peek] of peeks) {
        if (peek.state === 'ended') {
          registry.closeSession(id, LIVE_CLOSE.sessionEnded, 'session ended')
        } else if (peek.state === 'live') {
          for (const socket of registry.ofSession(id)) {
            if (signedInUserOf(peek.data, this.#o.absoluteTimeoutMs) !== socket.user) {
              registry.closeSession(id, LIVE_CLOSE.sessionEnded, 'session ended')
              break
            }
            socket.pushCart(cartOf(peek.data))
          }
        }
        // unknown: an outage is not a logout; the next tick asks again
      }
      for (const [user, entries] of listings) {
        if (entries !== undefined) pushSessions(registry.ofUser(user), entries, this.#o.handleOf)
      }
      if (cluster !== undefined) for (const socket of registry.all()) socket.pushNodes(cluster)
    } catch (err) {
      this.#o.log.warn({ err }, 'live re-validation failed')
    } finally {
      this.#inFlight = false
    }
  }

  async #listing (user: string): Promise<[string, UserSession[] | undefined]> {
    try {
      return [user, await userSessionEntries(this.#o.store, user, this.#o.absoluteTimeoutMs)]
    } catch {
      return [user, undefined]
    }
  }

  #usersThisTick (): string[] {
    const users = this.#o.registry.users()
    if (users.length <= LISTINGS_PER_TICK) return users
    const start = this.#userCursor % users.length
    this.#userCursor = start + LISTINGS_PER_TICK
    return [...users, ...users].slice(start, start + LISTINGS_PER_TICK)
  }
}
