import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Balancer, type CheckResult, type HealthTransition, type UpstreamDiff } from '@stickless/balancer'
import type { Logger } from 'pino'
import type { ResolvedLbOptions } from './config/options.js'
import { closeServer, listenOn } from './http/listen.js'
import { createAdminServer } from './status/admin-server.js'
import { EventLog } from './status/event-log.js'
import { createMetrics, type LbMetrics, type MetricsRole } from './status/metrics.js'
import { observeUpstreams } from './status/observed-upstream.js'
import { EVENTS_KEPT, HISTORY_SAMPLES, type RequestTotals, type UpstreamSource, type WorkerStatus } from './status/status-report.js'
import { TrafficHistory } from './status/traffic-history.js'
import type { ResolveHost } from './upstreams/upstream-discovery.js'
import { createUpstreamWatch, type UpstreamWatchHooks } from './upstreams/upstream-watch.js'

/** What the admin server reports besides the core's own balancer, history and timeline. */
export interface StatusSources {
  /** LB-wide counters, read at each report: the forwarder's, or the primary's merge of its workers'. */
  readonly totals: Readonly<RequestTotals>
  /** Per-upstream figures, when they are not the balancer's own (the cluster primary's merge). */
  readonly upstreams?: UpstreamSource
  /** The proxying processes, when there are workers. */
  readonly workers?: () => WorkerStatus[]
  /** The /metrics text, when it is not the registry's alone (the cluster primary merges its workers'). */
  readonly collectMetrics?: () => Promise<string>
  /** Open upgraded connections per upstream id. */
  readonly upgradedSockets?: () => ReadonlyMap<string, number>
}

export interface LbCoreDependencies {
  /**
   * Which process this is: `single` (one process), `primary` (checks and the
   * admin port for its workers) or `worker` (proxies only). It chooses the
   * metrics registered, how loudly transitions are logged (a worker's are
   * debug: the primary logs the LB's once) and how much history is kept (a
   * worker hands its second to the primary instead).
   */
  readonly role: MetricsRole
  readonly logger: Logger
  /** Default: the system resolver (dns.lookup), IPv4 first. */
  readonly resolveHost?: ResolveHost | undefined
  /** Whether /metrics includes process metrics (CPU, memory, event loop). */
  readonly processMetrics: boolean
  readonly status: StatusSources
  /** Every resolution and every check result, as they happen: the cluster primary passes them on to its workers. */
  readonly watch?: Pick<UpstreamWatchHooks, 'onRefresh' | 'onResult'>
  /** After the core has applied a transition: the proxy releases the requests waiting on an upstream that turned unhealthy. */
  readonly afterTransition?: (transition: HealthTransition) => void
  /** After each traffic sample: the cluster primary moves its latency windows on. */
  readonly afterSample?: () => void
}

/**
 * What every shape of the LB has once: the balancer and its health state
 * machines, the upstream watch (resolution and active checks), what a health
 * transition does (log, timeline, metric), the status page's history and its
 * sampler, and the admin server. The single process puts the proxy beside it
 * (load-balancer.ts); the cluster primary puts its workers beside it
 * (workers/cluster-primary.ts); a cluster worker uses it without watch() or
 * the admin port, applying the primary's check results instead.
 */
export interface LbCore {
  readonly options: ResolvedLbOptions
  readonly logger: Logger
  readonly startedAtMs: number
  readonly balancer: Balancer
  readonly metrics: LbMetrics
  /** Per upstream, one sample every `historyIntervalMs` (a second) for the last 300: the status page's charts. */
  readonly traffic: TrafficHistory
  /** Ejections, drains, returns and retries with their reasons: the status page's timeline. */
  readonly events: EventLog
  readonly adminServer: http.Server
  /** Every transition of the LB goes through here, whatever caused it: logged, put on the timeline and counted. */
  onTransition: (transition: HealthTransition, reason: string) => void
  /** A check result made elsewhere (the cluster primary's), applied as if this process had checked. */
  applyCheck: (upstreamId: string, result: CheckResult) => void
  /** A request elsewhere (another worker's) could not connect to this upstream: it is ejected here too. */
  applyEjection: (upstreamId: string, reason: string) => void
  /** Resolves the backends at once (also done every `resolveIntervalMs` once watching). */
  refreshUpstreams: () => Promise<UpstreamDiff>
  /** Runs one round of active health checks at once (also done every `healthIntervalMs` once watching). */
  checkHealth: () => Promise<void>
  /** Closes the traffic history's interval and notes state changes no transition reported (also done every `historyIntervalMs` once watching). */
  sampleTraffic: () => void
  /** Resolves the backends, then starts re-resolution, the health checks and the sampler (unless `historyIntervalMs` is 0). */
  watch: () => Promise<void>
  /** Listens on the admin port. */
  listenAdmin: () => Promise<AddressInfo>
  /** Stops the sampler, re-resolution and the checks (a round in progress finishes), and closes the admin server. */
  stop: () => Promise<void>
}

export function createLbCore (options: ResolvedLbOptions, dependencies: LbCoreDependencies): LbCore {
  const { role, logger, status } = dependencies
  const startedAtMs = Date.now()
  const balancer = new Balancer({
    healthyThreshold: options.healthyThreshold,
    unhealthyThreshold: options.unhealthyThreshold,
    ejectionTimeMs: options.ejectionTimeMs
  })
  const metrics = createMetrics(balancer, { processMetrics: dependencies.processMetrics, role })
  // A worker keeps no history of its own: it hands its interval to the primary once a second.
  const traffic = new TrafficHistory({ capacity: role === 'worker' ? 1 : HISTORY_SAMPLES, intervalMs: options.historyIntervalMs }, startedAtMs)
  const events = new EventLog({ capacity: EVENTS_KEPT })
  const { discovery, healthChecker, stop: stopWatch } = createUpstreamWatch(options, balancer, logger, {
    resolveHost: dependencies.resolveHost,
    onTransition,
    onRefresh: dependencies.watch?.onRefresh,
    onResult: dependencies.watch?.onResult
  })
  const adminServer = createAdminServer({
    balancer,
    metrics,
    totals: status.totals,
    traffic,
    events,
    startedAtMs,
    logger,
    headersTimeoutMs: options.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    upstreams: status.upstreams,
    workers: status.workers,
    collectMetrics: status.collectMetrics,
    upgradedSockets: status.upgradedSockets
  })
  let sampler: NodeJS.Timeout | undefined

  function onTransition (transition: HealthTransition, reason: string): void {
    const { upstream, from, to } = transition
    const level = role === 'worker' ? 'debug' : to === 'healthy' ? 'info' : 'warn'
    logger[level]({ upstream: upstream.name, url: upstream.url, from, to, reason }, `upstream ${upstream.name} is ${to}`)
    events.transition(upstream, from, to, reason)
    if (from === 'healthy') metrics.ejections.inc({ upstream: upstream.name, reason: to === 'ejected' ? 'connect' : to })
    dependencies.afterTransition?.(transition)
  }

  function applyCheck (upstreamId: string, result: CheckResult): void {
    const transition = balancer.recordCheck(upstreamId, result)
    if (transition !== undefined) onTransition(transition, `health check: ${result}`)
  }

  function applyEjection (upstreamId: string, reason: string): void {
    const transition = balancer.recordConnectFailure(upstreamId)
    if (transition !== undefined) onTransition(transition, reason)
  }

  function sampleTraffic (): void {
    const upstreams = observeUpstreams(balancer)
    traffic.sample(Date.now(), upstreams)
    events.observe(upstreams)
    dependencies.afterSample?.()
  }

  async function watch (): Promise<void> {
    await discovery.refresh()
    discovery.start()
    healthChecker.start()
    events.observe(observeUpstreams(balancer))
    if (options.historyIntervalMs > 0 && sampler === undefined) {
      sampler = setInterval(sampleTraffic, options.historyIntervalMs)
      sampler.unref()
    }
  }

  async function stop (): Promise<void> {
    clearInterval(sampler)
    await stopWatch()
    const closed = closeServer(adminServer)
    adminServer.closeAllConnections()
    await closed
  }

  return {
    options,
    logger,
    startedAtMs,
    balancer,
    metrics,
    traffic,
    events,
    adminServer,
    onTransition,
    applyCheck,
    applyEjection,
    refreshUpstreams: () => discovery.refresh(),
    checkHealth: () => healthChecker.checkAll(),
    sampleTraffic,
    watch,
    listenAdmin: () => listenOn(adminServer, options.adminPort, options.adminHost),
    stop
  }
}
