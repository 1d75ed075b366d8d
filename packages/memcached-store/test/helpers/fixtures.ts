import type { TestContext } from 'node:test'
import { MemcachedStore } from '../../src/index.js'
import type { MemcachedStoreOptions, ResolvedServer } from '../../src/options/options.js'
import { replicasFor } from '../../src/policy/replica-set.js'
import type { MemcachedProcess } from '@stickless/test-support'
import { rawGet, sessionKey, waitFor } from '@stickless/test-support'

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

/** What the store thinks of a server now: up, down or recovering. */
export function stateOf (store: MemcachedStore, server: { address: string }): string | undefined {
  return store.health().find((h) => h.id === server.address)?.state
}
