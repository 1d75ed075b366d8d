import cluster, { type Worker } from 'node:cluster'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Balancer, type HealthTransition } from '@stickless/balancer'
import type { Logger } from 'pino'
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client'
import { createAdminServer } from '../status/admin-server.js'
import { isWorkerMessage, type PrimaryMessage, type UpstreamSync } from './cluster-messages.js'
import { ClusterStats } from './cluster-stats.js'
import { EventLog } from '../status/event-log.js'
import { createMetrics } from '../status/metrics.js'
import { EVENTS_KEPT, HISTORY_INTERVAL_MS, HISTORY_SAMPLES } from '../status/status-report.js'
import { resolveLbOptions, type LbOptions, type ResolvedLbOptions } from '../config/options.js'
import { TrafficHistory } from '../status/traffic-history.js'
import type { ResolveHost } from '../upstreams/upstream-discovery.js'
import { createUpstreamWatch } from '../upstreams/upstream-watch.js'

/** A worker that dies sooner than this after its start is replaced after this long, so a crash loop does not spin. */
const RESTART_BACKOFF_MS = 1000
/** How long /metrics waits for a worker's figures before it answers without them. */
const METRICS_WAIT_MS = 2000

export interface ClusterPrimary {
  readonly options: ResolvedLbOptions
  /** Where the workers listen (the first to report) and the admin server. */
  readonly addresses: { readonly http: AddressInfo, readonly https: AddressInfo | undefined, readonly admin: AddressInfo }
  /** Asks every worker to drain, waits for them (SIGKILL after shutdownTimeoutMs + 2 s), then stops checks and the admin server. */
  close: () => Promise<void>
}

/**
 * The primary of a multi-worker LB. It proxies nothing: it resolves the
 * backends, runs the health checks, serves the admin port, and keeps
 * `workers` cluster workers running (a worker that dies is replaced). The
 * workers share the listening port(s) through node:cluster.
 *
 * Every worker keeps its own balancer, so picking an upstream stays a local,
 * synchronous call on the hot path. The primary keeps those balancers in step
 * with its own: it sends them the upstream set, every check result (their
 * health state machines see what the primary's sees) and every ejection a
 * worker reports. The per-request figures travel the other way, once a
 * second, as cumulative counters plus the second's histogram and retries, and
 * /metrics merges the workers' prom-client registries at scrape time.
 */
export async function startClusterPrimary (input: LbOptions, logger: Logger, dependencies: { readonly resolveHost?: ResolveHost } = {}): Promise<ClusterPrimary> {
  const options = resolveLbOptions(input)
  const startedAtMs = Date.now()
  const balancer = new Balancer({
    healthyThreshold: options.healthyThreshold,
    unhealthyThreshold: options.unhealthyThreshold,
    ejectionTimeMs: options.ejectionTimeMs
  })
  const metrics = createMetrics(balancer, { processMetrics: true, role: 'primary' })
  const traffic = new TrafficHistory({ capacity: HISTORY_SAMPLES, intervalMs: HISTORY_INTERVAL_MS }, startedAtMs)
  const events = new EventLog({ capacity: EVENTS_KEPT })
  const stats = new ClusterStats({ balancer, traffic, events })
  const workers = new Map<number, Worker>()
  let shuttingDown = false

  const { discovery, healthChecker, stop: stopWatch } = createUpstreamWatch(options, balancer, logger, {
    resolveHost: dependencies.resolveHost,
    onTransition,
    onRefresh: () => broadcast(upstreamsMessage()),
    onResult: (upstream, result) => broadcast({ kind: 'stickless:check', upstreamId: upstream.id, result })
  })
  const adminServer = createAdminServer({
    balancer,
    metrics,
    totals: stats.totals,
    traffic,
    events,
    startedAtMs,
    logger,
    headersTimeoutMs: options.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    upstreams: stats,
    workers: () => stats.workerStatus(),
    collectMetrics
  })

  function onTransition (transition: HealthTransition, reason: string): void {
    const { upstream, from, to } = transition
    logger[to === 'healthy' ? 'info' : 'warn']({ upstream: upstream.name, url: upstream.url, from, to, reason }, `upstream ${upstream.name} is ${to}`)
    events.transition(upstream, from, to, reason)
    if (from === 'healthy') metrics.ejections.inc({ upstream: upstream.name, reason: to === 'ejected' ? 'connect' : to })
  }

  function upstreamsMessage (): PrimaryMessage {
    const upstreams: UpstreamSync[] = balancer.snapshot().map((u) => ({ id: u.id, url: u.url, name: u.name, weight: u.weight, state: u.state }))
    return { kind: 'stickless:upstreams', upstreams }
  }

  function send (worker: Worker, message: PrimaryMessage): void {
    if (worker.isConnected()) worker.send(message, undefined, () => {})
  }

  function broadcast (message: PrimaryMessage, except?: Worker): void {
    for (const worker of workers.values()) if (worker !== except) send(worker, message)
  }

  // /metrics: the primary's registry and each worker's, merged by prom-client's rules (counters summed).
  let metricsRequests = 0
  const pendingMetrics = new Map<number, (worker: number, metrics: Array<MetricObjectWithValues<MetricValue<string>>>) => void>()
  async function collectMetrics (): Promise<string> {
    const requestId = ++metricsRequests
    const asked = [...workers.values()].filter((w) => w.isConnected())
    const answers = new Map<number, Array<MetricObjectWithValues<MetricValue<string>>>>()
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, METRICS_WAIT_MS)
      pendingMetrics.set(requestId, (worker, list) => {
        answers.set(worker, list)
        if (answers.size >= asked.length) {
          clearTimeout(timer)
          resolve()
        }
      })
      if (asked.length === 0) {
        clearTimeout(timer)
        resolve()
      }
      for (const worker of asked) send(worker, { kind: 'stickless:metrics-request', requestId })
    })
    pendingMetrics.delete(requestId)
    return await AggregatorRegistry.aggregate([await metrics.registry.getMetricsAsJSON(), ...answers.values()]).metrics()
  }

  // Start-up: the first `workers` must all listen, or the LB does not start.
  let firstAddress: { http: AddressInfo, https: AddressInfo | undefined } | undefined
  let startup: { listening: number, resolve: () => void, reject: (error: Error) => void } | undefined
  const started = new Promise<void>((resolve, reject) => { startup = { listening: 0, resolve, reject } })

  cluster.setupPrimary({ exec: fileURLToPath(new URL('../main.js', import.meta.url)) })
  cluster.on('message', (worker, message: unknown) => {
    if (!isWorkerMessage(message)) return
    switch (message.kind) {
      case 'stickless:ready':
        send(worker, upstreamsMessage())
        return
      case 'stickless:listening':
        firstAddress ??= { http: message.http, https: message.https }
        logger.info({ worker: worker.id, pid: worker.process.pid }, 'worker listening')
        if (startup !== undefined && ++startup.listening === options.workers) {
          startup.resolve()
          startup = undefined
        }
        return
      case 'stickless:failed': {
        const error = Object.assign(new Error(`worker ${worker.id} could not listen: ${message.message}`), { code: message.code })
        if (startup !== undefined) startup.reject(error)
        else logger.error({ worker: worker.id, err: error }, 'worker could not listen')
        return
      }
      case 'stickless:report':
        stats.receive(worker.id, message.report)
        return
      case 'stickless:ejected': {
        const transition = balancer.recordConnectFailure(message.upstreamId)
        if (transition !== undefined) onTransition(transition, message.reason)
        broadcast({ kind: 'stickless:eject', upstreamId: message.upstreamId }, worker)
        return
      }
      case 'stickless:metrics':
        pendingMetrics.get(message.requestId)?.(worker.id, message.metrics)
    }
  })
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0)
    workers.delete(worker.id)
    startedAt.delete(worker.id)
    stats.leave(worker.id)
    if (shuttingDown) {
      if (workers.size === 0) allExited?.()
      return
    }
    if (startup !== undefined) {
      startup.reject(new Error(`worker ${worker.id} exited while starting (${signal ?? `code ${code}`})`))
      return
    }
    const delay = lived < RESTART_BACKOFF_MS ? RESTART_BACKOFF_MS : 0
    logger.warn({ worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker exited; starting another')
    setTimeout(() => { if (!shuttingDown) fork() }, delay).unref()
  })

  const startedAt = new Map<number, number>()
  function fork (): Worker {
    const worker = cluster.fork()
    workers.set(worker.id, worker)
    startedAt.set(worker.id, Date.now())
    stats.join(worker.id, worker.process.pid ?? 0)
    return worker
  }

  let allExited: (() => void) | undefined
  const sampler = setInterval(() => {
    const nodes = balancer.list().map((u) => ({ id: u.id, name: u.name, state: balancer.state(u.id) ?? 'unhealthy' }))
    traffic.sample(Date.now(), nodes)
    events.observe(nodes)
    stats.tick()
  }, HISTORY_INTERVAL_MS)
  sampler.unref()

  await discovery.refresh()
  discovery.start()
  healthChecker.start()
  events.observe(balancer.list().map((u) => ({ id: u.id, name: u.name, state: balancer.state(u.id) ?? 'unhealthy' })))
  const admin = await new Promise<AddressInfo>((resolve, reject) => {
    adminServer.once('error', reject)
    adminServer.listen(options.adminPort, options.adminHost, () => {
      adminServer.off('error', reject)
      resolve(adminServer.address() as AddressInfo)
    })
  })

  let closing: Promise<void> | undefined
  async function close (): Promise<void> {
    closing ??= (async () => {
      shuttingDown = true
      if (workers.size > 0) {
        const exited = new Promise<void>((resolve) => { allExited = resolve })
        broadcast({ kind: 'stickless:shutdown' })
        // A worker drains for up to shutdownTimeoutMs; one that has not exited 2 s later is killed.
        const deadline = setTimeout(() => {
          for (const worker of workers.values()) if (worker.process.pid !== undefined) worker.process.kill('SIGKILL')
        }, options.shutdownTimeoutMs + 2_000)
        deadline.unref()
        await exited
        clearTimeout(deadline)
      }
      clearInterval(sampler)
      await stopWatch()
      await new Promise<void>((resolve) => {
        if (!adminServer.listening) resolve()
        else adminServer.close(() => resolve())
        adminServer.closeAllConnections()
      })
    })()
    await closing
  }

  for (let i = 0; i < options.workers; i++) fork()
  try {
    await started
  } catch (error) {
    await close()
    throw error
  }
  const first = firstAddress as { http: AddressInfo, https: AddressInfo | undefined }
  return { options, addresses: { http: first.http, https: first.https, admin }, close }
}
