// The pure half of Cluster.changePool(): which memcached servers a change
// adds and removes, and what a web node's /metrics says about its rebalance.
// pool-change-steps.ts carries the plan out, by the README's "Changing the
// memcached pool".
import { ClusterError } from './errors.js'
import { metricValue } from './probes/metric-value.js'

/** A change of the memcached pool: start `add` new servers, retire the named ones. */
export interface PoolChange {
  /** New servers to start and add, named after the highest memcached-N so far. Default 0. */
  add?: number
  /** Servers of the current pool to retire; stopped once no node uses them. Default none. */
  remove?: readonly string[]
}

export interface PoolChangeOptions {
  /** Each wait (a node's health, the rebalance) fails after this. Default: the cluster's startTimeoutMs. */
  timeoutMs?: number
  /** Told each step as it begins, for a log line. */
  onStep?: (step: string) => void
}

/** What changePool() did. */
export interface PoolChangeReport {
  /** The pool before and after, by process name. */
  before: string[]
  after: string[]
  added: string[]
  removed: string[]
  /** Keys the nodes' rebalances had copied to their new owners when the last node's finished. */
  rebalancedKeys: number
  ms: number
}

export interface PoolPlan {
  added: string[]
  removed: string[]
  after: string[]
}

const MAX_POOL = 9

function serverIndex (name: string): number {
  const n = Number(/^memcached-(\d+)$/.exec(name)?.[1])
  return Number.isInteger(n) ? n : 0
}

/**
 * Names the new servers and checks the change leaves a pool to run on. New
 * names continue after the highest index ever used in `known`, so a retired
 * server's name (and its output prefix) is never taken by a different one.
 */
export function planPoolChange (pool: readonly string[], known: readonly string[], change: PoolChange): PoolPlan {
  const add = change.add ?? 0
  const remove = [...new Set(change.remove ?? [])]
  if (!Number.isInteger(add) || add < 0) throw new ClusterError('STK_ERR_CLUSTER_INVALID_OPTION', `add must be a non-negative integer, got ${JSON.stringify(add)}`)
  for (const name of remove) {
    if (!pool.includes(name)) throw new ClusterError('STK_ERR_CLUSTER_UNKNOWN_PROCESS', `${JSON.stringify(name)} is not in the memcached pool (${pool.join(', ')})`)
  }
  if (add === 0 && remove.length === 0) throw new ClusterError('STK_ERR_CLUSTER_INVALID_OPTION', 'a pool change must add or remove at least one server')
  const kept = pool.filter((name) => !remove.includes(name))
  if (kept.length + add === 0) throw new ClusterError('STK_ERR_CLUSTER_STATE', 'the change would leave no memcached server')
  if (kept.length + add > MAX_POOL) throw new ClusterError('STK_ERR_CLUSTER_STATE', `the pool holds at most ${MAX_POOL} servers`)
  const next = Math.max(0, ...known.map(serverIndex)) + 1
  const added = Array.from({ length: add }, (_, i) => `memcached-${next + i}`)
  return { added, removed: remove, after: [...kept, ...added] }
}

/**
 * A counter of the session store from a web node's Prometheus text, e.g.
 * `stickless_session_store_events_total{event="rebalances"} 1`; undefined
 * when the node does not report it.
 */
export function storeEventCount (metrics: string, event: string): number | undefined {
  return metricValue(metrics, 'stickless_session_store_events_total', { event })
}
