// One cluster per test file: started in `before`, stopped (every process, by
// PID) in `after`, which node:test runs also when a test or `before` failed.
import { after, before } from 'node:test'
import { Cluster, QUICK_HEALTH_CHECKS, type ClusterOptions } from '@stickless/scripts/cluster'

/** Start-up of six processes on 2 busy cores: seconds normally, bounded generously. */
export const CLUSTER_START_TIMEOUT_MS = 90_000
/** Stopping drains the web nodes first (SHUTDOWN_DRAIN_MS, 1.5 s here), then SIGKILL after stopGraceMs. */
export const CLUSTER_STOP_TIMEOUT_MS = 60_000

/**
 * Registers the hooks that start and stop one cluster for this file, and
 * returns it (usable from the tests, once `before` has run).
 */
export function useCluster (options: ClusterOptions = {}): Cluster {
  // Quick health checks and retry interval: each start, roll, stop and refill waits less, with the same guarantees.
  const cluster = new Cluster({
    portMode: 'ephemeral',
    output: null,
    ...options,
    webEnv: { ...QUICK_HEALTH_CHECKS.webEnv, ...options.webEnv },
    lbEnv: { ...QUICK_HEALTH_CHECKS.lbEnv, ...options.lbEnv },
    sessionServerParams: { ...QUICK_HEALTH_CHECKS.sessionServerParams, ...options.sessionServerParams }
  })
  before(async () => { await cluster.start() }, { timeout: CLUSTER_START_TIMEOUT_MS })
  after(async () => { await cluster.stop() }, { timeout: CLUSTER_STOP_TIMEOUT_MS })
  return cluster
}

/** The last output lines of the named processes (default: all), for a failure message. */
export function logsOf (cluster: Cluster, names: readonly string[] = cluster.names, lines = 30): string {
  return names.map((name) => {
    const tail = cluster.logs(name).slice(-lines)
    return `--- ${name} (last ${tail.length} lines) ---\n${tail.join('\n')}`
  }).join('\n')
}
