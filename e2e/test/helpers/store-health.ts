// What the web nodes say about memcached: /healthz states and the store's
// counters in /metrics, and waitForRefill, the wait for a restarted server to be refilled.
import { metricValue, type Cluster } from '@stickless/scripts/cluster'
import { sessionServerStates as nodeSessionServers } from '../../fixtures/session-servers.js'
import { HttpClient } from './http-client.js'
import { pollUntil } from '@stickless/test-support'

/**
 * Per web node, the state of each session server, e.g. { 'web-1': ['up', 'down'] };
 * a node that does not answer /healthz shows as ['no answer'], never as "all up".
 */
export async function sessionServerStates (cluster: Cluster): Promise<Record<string, string[]>> {
  const states: Record<string, string[]> = {}
  for (const name of cluster.webNames) {
    states[name] = (await nodeSessionServers(cluster, name))?.map((s) => s.state) ?? ['no answer']
  }
  return states
}

/** One store counter (stickless_session_store_events_total{event}) summed over the web nodes. */
export async function storeCounterTotal (cluster: Cluster, event: string): Promise<number> {
  const client = new HttpClient({ timeoutMs: 5_000 })
  let total = 0
  for (const name of cluster.webNames) {
    const res = await client.get(cluster.webUrl(name, '/metrics'))
    total += metricValue(res.text, 'stickless_session_store_events_total', { event }) ?? 0
  }
  return total
}

/**
 * Waits until a refill finished after `refillsBefore` (some node copied the
 * peers' sessions onto the restarted server) and every node sees every
 * server up, so no node still writes around it. Returns how long it took.
 */
export async function waitForRefill (cluster: Cluster, refillsBefore: number, timeoutMs: number): Promise<number> {
  const started = Date.now()
  let last = ''
  try {
    await pollUntil(async () => {
      // A node that does not answer /metrics this round is "not yet", not a failure.
      const refills = await storeCounterTotal(cluster, 'refills').catch(() => undefined)
      if (refills === undefined) return undefined
      const states = await sessionServerStates(cluster)
      last = `refills ${refillsBefore} -> ${refills}, states ${JSON.stringify(states)}`
      const allUp = Object.values(states).every((s) => s.length > 0 && s.every((state) => state === 'up'))
      return refills > refillsBefore && allUp ? true : undefined
    }, { timeoutMs, intervalMs: 250, what: 'a finished refill and every session server up on every node' })
  } catch (err) {
    throw new Error(`${(err as Error).message} (last seen: ${last})`)
  }
  return Date.now() - started
}
