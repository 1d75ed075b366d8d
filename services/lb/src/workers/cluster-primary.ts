import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import { resolveLbOptions, type LbOptions, type ResolvedLbOptions } from '../config/options.js'
import { createLbCore, type LbCore } from '../lb-core.js'
import { emptyRequestTotals } from '../status/status-report.js'
import type { ResolveHost } from '../upstreams/upstream-discovery.js'
import { upstreamsMessage } from './cluster-messages.js'
import { ClusterStats } from './cluster-stats.js'
import { routeWorkerMessages } from './ipc-router.js'
import { MetricsFanIn } from './metrics-fan-in.js'
import { WorkerPool } from './worker-pool.js'

export interface ClusterPrimary {
  readonly options: ResolvedLbOptions
  /** Where the workers listen (the first to report) and the admin server. */
  readonly addresses: { readonly http: AddressInfo, readonly https: AddressInfo | undefined, readonly admin: AddressInfo }
  /** Asks every worker to drain, waits for them (SIGKILL after shutdownTimeoutMs + 2 s), then stops checks and the admin server. */
  close: () => Promise<void>
}

/**
 * The primary of a multi-worker LB. It proxies nothing: it runs the LB core
 * (resolution, health checks, the history and the admin port) and keeps
 * `workers` cluster workers running. The workers share the listening port(s)
 * through node:cluster.
 *
 * Every worker keeps its own balancer, so picking an upstream stays a local,
 * synchronous call on the hot path. The primary keeps those balancers in step
 * with its own: it sends them the upstream set, every check result (their
 * health state machines see what the primary's sees) and every ejection a
 * worker reports. The per-request figures travel the other way, once a
 * second, as cumulative counters plus the second's histogram and retries
 * (ClusterStats), and /metrics merges the workers' prom-client registries at
 * scrape time (MetricsFanIn). WorkerPool forks and replaces the workers;
 * routeWorkerMessages hands each of their messages to the part that handles it.
 */
export async function startClusterPrimary (input: LbOptions, logger: Logger, dependencies: { readonly resolveHost?: ResolveHost } = {}): Promise<ClusterPrimary> {
  const options = resolveLbOptions(input)
  const totals = emptyRequestTotals()
  // The admin server and the watch hooks reach `stats`, `pool` and `fanIn`
  // below only once the core runs: at an admin request, a resolution or a check.
  const core: LbCore = createLbCore(options, {
    role: 'primary',
    logger,
    resolveHost: dependencies.resolveHost,
    processMetrics: true,
    status: {
      totals,
      upstreams: { snapshot: () => stats.snapshot() },
      workers: () => stats.workerStatus(),
      collectMetrics: () => fanIn.collect(),
      upgradedSockets: () => stats.upgradedSockets()
    },
    watch: {
      onRefresh: () => pool.broadcast(upstreamsMessage(core.balancer)),
      onResult: (upstream, result) => pool.broadcast({ kind: 'stickless:check', upstreamId: upstream.id, result })
    },
    afterSample: () => stats.tick()
  })
  const stats = new ClusterStats({ balancer: core.balancer, traffic: core.traffic, events: core.events, totals })
  const pool = new WorkerPool({
    exec: fileURLToPath(new URL('../main.js', import.meta.url)),
    size: options.workers,
    // A worker's shutdown closes its WebSockets after the grace period, within upgradeCloseTimeoutMs.
    shutdownTimeoutMs: options.shutdownTimeoutMs + options.upgradeCloseTimeoutMs,
    logger,
    onJoin: (worker) => stats.join(worker.id, worker.process.pid ?? 0),
    onLeave: (worker) => stats.leave(worker.id)
  })
  const fanIn = new MetricsFanIn({ registry: core.metrics.registry, workers: pool })
  routeWorkerMessages({ core, pool, stats, metrics: fanIn })

  // The primary resolves and checks first, then forks: a worker starts from a known upstream set.
  await core.watch()
  const admin = await core.listenAdmin()

  let closing: Promise<void> | undefined
  async function close (): Promise<void> {
    closing ??= (async () => {
      // Checks keep running while the workers drain, so their retries go to upstreams that are up.
      await pool.shutdown()
      await core.stop()
    })()
    await closing
  }

  try {
    const addresses = await pool.start()
    return { options, addresses: { ...addresses, admin }, close }
  } catch (error) {
    await close()
    throw error
  }
}
