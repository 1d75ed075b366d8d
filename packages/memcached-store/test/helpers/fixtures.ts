import type { TestContext } from 'node:test'
import { MemcachedStore } from '../../src/index.js'
import type { MemcachedStoreOptions, ResolvedServer } from '../../src/options/options.js'
import { replicasFor } from '../../src/policy/replica-set.js'
import assert from 'node:assert/strict'
import type { MemcachedProcess } from '@stickless/test-support'
import { rawGet, sessionKey, startMemcached, TestClock, waitFor } from '@stickless/test-support'

/** A store over the given servers, closed when the test ends. Short timeouts keep failure tests quick. */
export function storeFor (t: TestContext, servers: readonly MemcachedProcess[], options: Partial<MemcachedStoreOptions> = {}): MemcachedStore {
  const store = new MemcachedStore({
    servers: servers.map((s) => s.address),
    timeoutMs: 500,
    retryIntervalMs: 300,
    probeIntervalMs: 100,
    readRepairChance: 0,
    ...options
  })
  t.after(() => store.close())
  return store
}

export function session (data: Record<string, unknown>, maxAgeMs = 60_000): Record<string, unknown> {
  return { cookie: { originalMaxAge: maxAgeMs, path: '/', httpOnly: true, sameSite: 'lax' }, ...data }
}

export function ids (n: number, prefix = 'sid'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i.toString().padStart(6, '0')}`)
}

/**
 * A store that sends memcached nothing of its own during the test, so a test
 * counting commands counts only the ones it causes: a first store's probes
 * put the filled marker on every server and it is closed; the store returned
 * probes once a minute, and looks for skip markers every 15 s.
 */
export async function settledStoreFor (t: TestContext, servers: readonly MemcachedProcess[], options: Partial<MemcachedStoreOptions> = {}): Promise<MemcachedStore> {
  const settler = storeFor(t, servers)
  await waitFor('filled markers', async () => {
    for (const s of servers) if (await rawGet(s.port, 'stk:m:filled') !== 'ok') return false
    return true
  })
  await settler.close()
  // The skip watch reads the other nodes' markers every quarter of the
  // shortest timeout (at most once per probe interval): at the fixtures'
  // 500 ms, a get every 125 ms that a slow run counted as its own (12 gets
  // for 10 reads, under load). With a minute's timeout it looks every 15 s.
  return storeFor(t, servers, { probeIntervalMs: 60_000, timeoutMs: 60_000, ...options })
}

/** The ports of a session's replicas, first replica first (where reads go and writes are ordered). */
export function portsInReadOrder (store: { options: { servers: readonly ResolvedServer[] } }, sid: string): number[] {
  return replicasFor(store.options.servers, sessionKey(sid), 2).map((s) => s.port)
}

/**
 * The servers in the order reads use them. With as many replicas as servers
 * every session has the same order (replica-set.ts), so a test that needs a
 * session's first or second replica picks the server, not the session.
 */
export function serversInReadOrder<S extends { port: number }> (store: { options: { servers: readonly ResolvedServer[] } }, servers: readonly S[]): S[] {
  return portsInReadOrder(store, 'any').map((port) => {
    const server = servers.find((s) => s.port === port)
    if (server === undefined) throw new Error(`no server on port ${port}`)
    return server
  })
}

/** What the store reports of a server now; fails the test if it reports nothing. */
export function healthOf (store: MemcachedStore, server: { address: string }): ReturnType<MemcachedStore['health']>[number] {
  const h = store.health().find((s) => s.id === server.address)
  assert.ok(h !== undefined, `no health for ${server.address}`)
  return h
}

/** What the store thinks of a server now: up, down or recovering. */
export function stateOf (store: MemcachedStore, server: { address: string }): string {
  return healthOf(store, server).state
}

/**
 * A store on a test clock (idle end 50 s, absolute lifetime 60 s, from
 * 2030-01-01) over two new servers, holding a session for each way a read
 * can find one ended: `live` (alice, a cart of tea, maxAge 50 s), `short`
 * (maxAge 10 s: past its end 12 s on) and `gone` (destroyed).
 */
export async function storeWithEndings (t: TestContext): Promise<{ store: MemcachedStore, clock: TestClock }> {
  const servers = await startMemcached(t, 2)
  const clock = new TestClock(Date.UTC(2030, 0, 1))
  const store = storeFor(t, servers, { clock: clock.now, idleTimeoutMs: 50_000, absoluteTimeoutMs: 60_000 })
  await store.setSession('live', session({ user: 'alice', cart: ['tea'] }, 50_000))
  await store.setSession('short', session({ user: 'alice' }, 10_000))
  await store.setSession('gone', session({ user: 'bob' }))
  await store.destroySession('gone')
  return { store, clock }
}
