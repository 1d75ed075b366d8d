// The web tests run the app on the real store, @stickless/memcached-store,
// over real memcached processes: what a test sees is what a node does in
// production, and nothing is reimplemented for the tests (as @fastify/session
// tests itself on a store extending its real MemoryStore).
//
// A test file starts its servers once (memcachedPerFile) and each test
// gets a store on a key prefix of its own, so one test's sessions and login
// counters are invisible to the next without flushing anything.
import assert from 'node:assert/strict'
import { before, type TestContext } from 'node:test'
import { MemcachedStore, type MemcachedStoreOptions } from '@stickless/memcached-store'
import { pollUntil, startMemcached, type MemcachedProcess } from '@stickless/test-support'
import type { WebConfig } from '../../src/config.js'
import { storeOptions } from '../../src/store-options.js'

export interface Memcached {
  readonly servers: readonly MemcachedProcess[]
}

/**
 * `count` memcached servers shared by the tests of one file: started before
 * its first test, stopped by PID after its last (also when a test fails).
 */
export function memcachedPerFile (count = 2): Memcached {
  let servers: readonly MemcachedProcess[] | undefined
  before(async (t) => { servers = await startMemcached(t as TestContext, count) })
  return {
    get servers () {
      assert.ok(servers, 'memcachedPerFile: the servers start in a before hook, so use them inside a test')
      return servers
    }
  }
}

/** No servers: for an app on a stand-in store (fake-session-store.ts). */
export const noMemcached: Memcached = { servers: [] }

/** Servers of one test's own, for tests that kill or freeze them. */
export async function memcachedPerTest (t: TestContext, count = 2): Promise<Memcached> {
  return { servers: await startMemcached(t, count) }
}

let prefixes = 0

/** A key prefix no other store of this process uses. */
export function freshKeyPrefix (): string {
  return `web${++prefixes}:`
}

/**
 * A real store over the servers, set up as main.ts sets it up from the same
 * config, on a fresh key prefix unless `options` names one. Closed when the
 * test ends.
 */
export function realStore (t: TestContext, memcached: Memcached, config: WebConfig, options: Partial<MemcachedStoreOptions> = {}): MemcachedStore {
  const store = new MemcachedStore({
    ...storeOptions(config),
    servers: memcached.servers.map((s) => s.address),
    keyPrefix: freshKeyPrefix(),
    ...options
  })
  t.after(() => store.close())
  return store
}

/** The session as the store holds it (a read through the real store), or undefined. */
export async function storedSession (store: MemcachedStore, sessionId: string): Promise<Record<string, unknown> | undefined> {
  return await store.getSession(sessionId) ?? undefined
}

/** Replaces a stored session's data through the real store, as another node's save would. */
export async function rewriteSession (store: MemcachedStore, sessionId: string, change: (session: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const current = await store.getSession(sessionId)
  assert.ok(current, `session ${sessionId} is stored`)
  await store.setSession(sessionId, change(current))
}

type ServerState = 'up' | 'down' | 'recovering'

/** Resolves once the store reports its servers in these states (one for all, or one per server in order). */
export async function serversAre (store: MemcachedStore, states: ServerState | readonly ServerState[]): Promise<void> {
  const wanted = (i: number): ServerState | undefined => typeof states === 'string' ? states : states[i]
  await pollUntil(() => store.health().every((s, i) => s.state === wanted(i)), { what: `session servers ${String(states)}`, timeoutMs: 10_000 })
}

/** What the store has done so far, from its own counters (the figures /metrics exports). */
export function storeActivity (store: MemcachedStore): { reads: number, saves: number, destroys: number } {
  const c = store.counters()
  return { reads: c.hits + c.misses, saves: c.writes + c.skippedWrites + c.touches, destroys: c.destroys }
}

/** How many live sessions the store holds under its key prefix (read from every server's item list). */
export async function sessionCount (store: MemcachedStore): Promise<number> {
  return Object.keys(await store.allSessions()).length
}
