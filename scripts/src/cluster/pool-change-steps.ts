// The steps of Cluster.changePool(), the README's "Changing the memcached
// pool": (1) start the new servers; (2) roll the web nodes onto the new pool
// with the previous one as SESSION_SERVERS_PREVIOUS; (3) wait for the last
// node's rebalance; (4) roll them onto the new pool alone; (5) stop the
// retired servers. pool-change.ts plans the change (which servers come and
// go); this file carries it out on a running cluster.
import { ClusterError, startTimeoutError } from './errors.js'
import type { Member } from './members.js'
import { storeEventCount, type PoolChangeOptions, type PoolChangeReport, type PoolPlan } from './pool-change.js'
import type { ProcessSpec } from './process/supervisor.js'
import { probeHttp } from './probes/http-probe.js'
import { waitReady, type ReadinessView } from './probes/readiness.js'
import { pollUntil, WaitTimeoutError } from '@stickless/test-support'

/** What the steps read and change of the cluster. */
export interface PoolChangeHost extends ReadinessView {
  /** The memcached servers in SESSION_SERVERS, by name. */
  pool: () => readonly string[]
  sessionServers: () => string
  /** Makes `names` the pool the next web node started gets, with `previous` as its SESSION_SERVERS_PREVIOUS. */
  usePool: (names: readonly string[], previous: string | undefined) => void
  /** The port a new memcached-N gets. */
  memcachedPort: (name: string) => Promise<number>
  /** Adds memcached servers to the members, after the existing ones (names stay in start order). */
  addMemcachedMembers: (added: readonly Member[]) => void
  /** Forgets a stopped server and gives its port back. */
  removeMember: (name: string) => void
  webMembers: () => Member[]
  memcachedSpec: (m: Member) => ProcessSpec
  webSpec: (m: Member) => ProcessSpec
  /** Throws unless the cluster is running (a stop() ends the change between nodes). */
  assertRunning: () => void
  logs: (name: string) => string[]
}

/** Carries out a planned change, steps 1 to 5; `options.onStep` hears each step as it begins. */
export async function runPoolChange (host: PoolChangeHost, plan: PoolPlan, options: PoolChangeOptions, timeoutMs: number): Promise<PoolChangeReport> {
  const step = (text: string): void => { options.onStep?.(text) }
  const started = Date.now()
  const before = [...host.pool()]
  if (plan.added.length > 0) {
    step(`1. start ${plan.added.join(', ')}`)
    await addMemcached(host, plan.added, timeoutMs)
  }
  host.usePool(plan.after, host.sessionServers())
  step(`2. roll the web nodes onto ${plan.after.join(', ')}, with the previous pool ${before.join(', ')}`)
  await rollWebNodes(host, timeoutMs, step)
  const webNames = host.webNames()
  const last = webNames[webNames.length - 1] as string
  step(`3. wait for the rebalance of ${last}, the last node rolled`)
  const rebalancedKeys = await waitForRebalance(host, last, timeoutMs)
  host.usePool(plan.after, undefined)
  step(`4. roll the web nodes onto ${plan.after.join(', ')} alone`)
  await rollWebNodes(host, timeoutMs, step)
  if (plan.removed.length > 0) {
    step(`5. stop ${plan.removed.join(', ')}`)
    await retireMemcached(host, plan.removed)
  }
  return { before, after: [...plan.after], added: plan.added, removed: plan.removed, rebalancedKeys, ms: Date.now() - started }
}

/** Step 1: new memcached servers, ready before any node names them. */
async function addMemcached (host: PoolChangeHost, names: readonly string[], timeoutMs: number): Promise<void> {
  const added: Member[] = []
  for (const name of names) added.push({ name, role: 'memcached', port: await host.memcachedPort(name) })
  host.addMemcachedMembers(added)
  for (const m of added) host.supervisor.start(host.memcachedSpec(m))
  await Promise.all(added.map(async (m) => await waitReady(host, m, timeoutMs)))
}

/** Steps 2 and 4: each web node in turn drains and exits, starts with the current pool's env, and is back in the LB's rotation before the next goes. */
async function rollWebNodes (host: PoolChangeHost, timeoutMs: number, step: (text: string) => void): Promise<void> {
  for (const m of host.webMembers()) {
    host.assertRunning()
    step(`   restart ${m.name}`)
    await host.supervisor.stopProcess(m.name)
    host.supervisor.start(host.webSpec(m))
    await waitReady(host, m, timeoutMs)
  }
}

/**
 * Step 3: the node's store counts a finished rebalance. Resolves with the
 * keys every node's rebalance has copied by then: the earlier nodes' runs
 * often leave the last one nothing to move.
 */
async function waitForRebalance (host: PoolChangeHost, name: string, timeoutMs: number): Promise<number> {
  try {
    await pollUntil(async () => {
      // logs() spans every run of the node: only lines since its last start count.
      const lines = host.logs(name)
      const sinceStart = lines.slice(lines.findLastIndex((line) => line.includes('web node ready')) + 1)
      if (sinceStart.some((line) => line.includes('memcached pool rebalance failed'))) {
        throw new ClusterError('STK_ERR_CLUSTER_STATE', `${name}'s rebalance failed\n${host.tail(name)}`)
      }
      const metrics = await metricsOf(host, name)
      if (metrics === undefined) return false
      return (storeEventCount(metrics, 'rebalances') ?? 0) >= 1
    }, { timeoutMs, intervalMs: 200, what: `${name} to report its rebalance (stickless_session_store_events_total{event="rebalances"} on /metrics)` })
  } catch (err) {
    if (err instanceof WaitTimeoutError) throw startTimeoutError(err, host.tail(name))
    throw err
  }
  const copied = await Promise.all(host.webNames().map(async (web) => storeEventCount(await metricsOf(host, web) ?? '', 'rebalancedKeys') ?? 0))
  return copied.reduce((sum, n) => sum + n, 0)
}

/** A web node's /metrics text, whole (longer than a status probe keeps), or undefined when it does not answer 200. */
async function metricsOf (host: PoolChangeHost, name: string): Promise<string | undefined> {
  const res = await probeHttp(host.webUrl(name, '/metrics'), 2_000, 4 * 1024 * 1024)
  return res?.status === 200 ? res.body : undefined
}

/** Step 5: after step 4 no node names these servers. Their keys expire with their TTL (README). */
async function retireMemcached (host: PoolChangeHost, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await host.supervisor.stopProcess(name)
    host.removeMember(name)
  }
}
