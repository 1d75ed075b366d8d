import type { AddressInfo } from 'node:net'
import type { Balancer, CheckResult } from '@stickless/balancer'
import type { Logger } from 'pino'
import type { LbOptions, ResolvedLbOptions } from '../config/options.js'
import type { EventLog } from '../status/event-log.js'
import type { LbMetrics } from '../status/metrics.js'
import type { RequestTotals } from '../status/status-report.js'
import type { TrafficHistory } from '../status/traffic-history.js'
import { isPrimaryMessage, type RetryTallyEntry, type UpstreamSync, type WorkerMessage, type WorkerReport } from './cluster-messages.js'

/** How often a worker sends its figures to the primary. */
export const REPORT_INTERVAL_MS = 1000

/**
 * A worker's retries between two reports, one entry per upstream and reason:
 * what the forwarder would have noted in the event log, counted here and sent
 * once a second, so a burst of retries costs a map lookup each.
 */
export class RetryTally implements Pick<EventLog, 'retry'> {
  private entries = new Map<string, { -readonly [K in keyof RetryTallyEntry]: RetryTallyEntry[K] }>()

  retry (upstream: { readonly id: string, readonly name: string }, reason: string): void {
    const key = `${upstream.id}\n${reason}`
    const atMs = Date.now()
    const entry = this.entries.get(key)
    if (entry === undefined) this.entries.set(key, { upstreamId: upstream.id, upstream: upstream.name, reason, count: 1, atMs, lastAtMs: atMs })
    else {
      entry.count += 1
      entry.lastAtMs = atMs
    }
  }

  take (): RetryTallyEntry[] {
    if (this.entries.size === 0) return []
    const taken = [...this.entries.values()]
    this.entries = new Map()
    return taken
  }
}

/** What a cluster worker's LB reports to its primary outside the once-a-second batch. */
export interface WorkerLink {
  /** Where the forwarder notes retries: a tally the worker sends once a second. */
  readonly retries: Pick<EventLog, 'retry'>
  /** A request of this worker could not connect and took the upstream out of rotation: the primary hears of it at once. */
  readonly onEjected: (upstreamId: string, reason: string) => void
}

/** The part of the proxying LB (load-balancer.ts) a worker drives. */
export interface WorkerLb {
  readonly options: ResolvedLbOptions
  readonly balancer: Balancer
  readonly metrics: LbMetrics
  readonly totals: Readonly<RequestTotals>
  readonly traffic: TrafficHistory
  /** The HTTP (and HTTPS) listeners only: the primary resolves, checks and serves the admin port. */
  listenTraffic: () => Promise<{ readonly http: AddressInfo, readonly https: AddressInfo | undefined }>
  applyCheck: (upstreamId: string, result: CheckResult) => void
  applyEjection: (upstreamId: string) => void
  /** Open upgraded (WebSocket) connections per upstream id. */
  upgradedSockets: () => ReadonlyMap<string, number>
  close: () => Promise<void>
}

export interface ClusterWorkerHooks {
  /**
   * Builds the worker's LB: createLoadBalancer, handed in by main.ts so that
   * workers/ depends on no proxy code.
   */
  readonly createLb: (options: LbOptions, dependencies: { readonly logger: Logger, readonly worker: WorkerLink }) => WorkerLb
  /** The primary asks this worker to drain (main.ts hands that to close-with-grace). */
  readonly onShutdown: () => void
}

export interface ClusterWorker {
  readonly lb: WorkerLb
  /** Sends the figures at once (also done every REPORT_INTERVAL_MS and after close). */
  report: () => void
  /** Drains like a single LB (stops accepting, finishes in flight), then sends the last figures. */
  close: () => Promise<void>
}

/**
 * The proxy half of a cluster: a `node:cluster` worker listening on the
 * shared port. It waits for the primary's upstream set before it listens,
 * applies every health check result and ejection the primary passes on, and
 * sends its figures once a second.
 */
export async function startClusterWorker (options: LbOptions, logger: Logger, hooks: ClusterWorkerHooks): Promise<ClusterWorker> {
  const send = (message: WorkerMessage): void => {
    if (process.connected) process.send?.(message, undefined, {}, () => {})
  }
  const retries = new RetryTally()
  const lb = hooks.createLb(options, {
    logger,
    worker: { retries, onEjected: (upstreamId, reason) => send({ kind: 'stickless:ejected', upstreamId, reason }) }
  })

  let synced: (() => void) | undefined
  const firstSync = new Promise<void>((resolve) => { synced = resolve })
  process.on('message', (message: unknown) => {
    if (!isPrimaryMessage(message)) return
    switch (message.kind) {
      case 'stickless:upstreams':
        lb.balancer.setUpstreams(message.upstreams)
        if (synced !== undefined) {
          catchUp(lb, message.upstreams)
          synced()
          synced = undefined
        }
        return
      case 'stickless:check':
        lb.applyCheck(message.upstreamId, message.result)
        return
      case 'stickless:eject':
        lb.applyEjection(message.upstreamId)
        return
      case 'stickless:metrics-request':
        lb.metrics.registry.getMetricsAsJSON().then(
          (metrics) => send({ kind: 'stickless:metrics', requestId: message.requestId, metrics }),
          (error: unknown) => logger.error({ err: error }, 'collecting metrics for the primary failed')
        )
        return
      case 'stickless:shutdown':
        hooks.onShutdown()
    }
  })
  send({ kind: 'stickless:ready' })
  await firstSync

  function report (): void {
    const sockets = lb.upgradedSockets()
    const upstreams = lb.balancer.snapshot().map((u) => ({ id: u.id, requests: u.requests, inFlight: u.inFlight, errors: u.errors, retries: u.retries, upgradedSockets: sockets.get(u.id) ?? 0 }))
    const figures: WorkerReport = { totals: { ...lb.totals }, upstreams, intervals: lb.traffic.takeIntervals(), retries: retries.take() }
    send({ kind: 'stickless:report', report: figures })
  }

  try {
    const addresses = await lb.listenTraffic()
    send({ kind: 'stickless:listening', http: addresses.http, https: addresses.https })
  } catch (error) {
    const code = (error as { code?: unknown }).code
    send({ kind: 'stickless:failed', code: typeof code === 'string' ? code : undefined, message: error instanceof Error ? error.message : String(error) })
    throw error
  }
  const timer = setInterval(report, REPORT_INTERVAL_MS)
  timer.unref()
  let closing: Promise<void> | undefined
  return {
    lb,
    report,
    close: async () => {
      closing ??= (async () => {
        await lb.close()
        clearInterval(timer)
        report()
      })()
      await closing
    }
  }
}

/** A worker that starts late (a replacement) takes the primary's states rather than assuming every upstream healthy. */
function catchUp (lb: WorkerLb, upstreams: readonly UpstreamSync[]): void {
  const { unhealthyThreshold } = lb.options
  for (const upstream of upstreams) {
    if (upstream.state === 'draining') lb.applyCheck(upstream.id, 'draining')
    else if (upstream.state === 'unhealthy') for (let i = 0; i < unhealthyThreshold; i++) lb.applyCheck(upstream.id, 'fail')
    else if (upstream.state === 'ejected') lb.applyEjection(upstream.id)
  }
}
