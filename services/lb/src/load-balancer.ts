import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { Balancer, RetryPolicy, type CheckResult, type HealthTransition, type UpstreamDiff } from '@stickless/balancer'
import type { Logger } from 'pino'
import { createAdminServer } from './status/admin-server.js'
import { createClientErrorHandler } from './proxy/client-error.js'
import { EventLog, type ObservedNode } from './status/event-log.js'
import { createLogger } from './config/logger.js'
import { createMetrics, type LbMetrics } from './status/metrics.js'
import { resolveLbOptions, type LbOptions, type ResolvedLbOptions } from './config/options.js'
import { RequestForwarder } from './proxy/request-forwarder.js'
import { EVENTS_KEPT, HISTORY_INTERVAL_MS, HISTORY_SAMPLES, type RequestTotals } from './status/status-report.js'
import { TrafficHistory } from './status/traffic-history.js'
import type { ResolveHost } from './upstreams/upstream-discovery.js'
import { createUpstreamWatch } from './upstreams/upstream-watch.js'

/** What the LB is given besides options: collaborators tests replace. */
export interface LbDependencies {
  /** Default: JSON logs at info on stdout. */
  readonly logger?: Logger
  /** Default: the system resolver (dns.lookup), IPv4 first. */
  readonly resolveHost?: ResolveHost
  /** Whether /metrics includes process metrics (CPU, memory, event loop). Default true. */
  readonly processMetrics?: boolean
  /**
   * Set in a cluster worker (`workers` > 1): the primary resolves the
   * backends, checks their health and serves the admin port; this process
   * only proxies, and is told the upstreams and every check result.
   */
  readonly worker?: WorkerLink
}

/** What a cluster worker's LB reports to its primary outside the once-a-second batch. */
export interface WorkerLink {
  /** Where the forwarder notes retries: a tally the worker sends once a second. */
  readonly retries: Pick<EventLog, 'retry'>
  /** A request of this worker could not connect and took the upstream out of rotation: the primary hears of it at once. */
  readonly onEjected: (upstreamId: string, reason: string) => void
}

export interface LbAddresses {
  readonly http: AddressInfo
  readonly https: AddressInfo | undefined
  readonly admin: AddressInfo
}

export interface LoadBalancer {
  readonly options: ResolvedLbOptions
  readonly balancer: Balancer
  readonly metrics: LbMetrics
  readonly totals: Readonly<RequestTotals>
  /** Per node, one sample a second for the last five minutes: the status page's charts. */
  readonly traffic: TrafficHistory
  /** Ejections, drains, returns and retries with their reasons: the status page's timeline. */
  readonly events: EventLog
  readonly server: http.Server
  readonly httpsServer: https.Server | undefined
  readonly adminServer: http.Server
  /** Resolves the backends, starts health checks and re-resolution, and listens on every port. */
  listen: () => Promise<LbAddresses>
  /** Resolves the backends now (also done every `resolveIntervalMs`). */
  refreshUpstreams: () => Promise<UpstreamDiff>
  /** Runs one round of active health checks now (also done every `healthIntervalMs`). */
  checkHealth: () => Promise<void>
  /** Closes the traffic history's interval now and notes state changes no transition reported (also done every second). */
  sampleTraffic: () => void
  /** Stops accepting, lets in-flight requests finish (up to `shutdownTimeoutMs`), closes upstream connections. */
  close: () => Promise<void>
  /** A cluster worker's listen: the HTTP (and HTTPS) listeners only, no checks, resolution or admin port. */
  listenTraffic: () => Promise<Omit<LbAddresses, 'admin'>>
  /** A check result the primary made: applied as if this process had checked (a worker's balancer follows the primary's). */
  applyCheck: (upstreamId: string, result: CheckResult) => void
  /** Another worker's request could not connect to this upstream: eject it here too. */
  applyEjection: (upstreamId: string) => void
}

/** Builds the LB without listening, so tests can start it on port 0 and main only reads env. */
export function createLoadBalancer (input: LbOptions, dependencies: LbDependencies = {}): LoadBalancer {
  const options = resolveLbOptions(input)
  const logger = dependencies.logger ?? createLogger('info')
  const startedAtMs = Date.now()
  const balancer = new Balancer({
    healthyThreshold: options.healthyThreshold,
    unhealthyThreshold: options.unhealthyThreshold,
    ejectionTimeMs: options.ejectionTimeMs
  })
  const retryPolicy = new RetryPolicy({ maxAttempts: options.maxAttempts })
  const worker = dependencies.worker
  const metrics = createMetrics(balancer, { processMetrics: dependencies.processMetrics ?? true, role: worker === undefined ? 'single' : 'worker' })
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: options.agentMaxSockets,
    maxFreeSockets: options.agentMaxFreeSockets,
    // For a keep-alive agent, `timeout` is how long a free socket may idle
    // before it is destroyed. It must stay below the web nodes'
    // keepAliveTimeout (72 s): see agentFreeSocketTimeoutMs in options.ts.
    timeout: options.agentFreeSocketTimeoutMs,
    scheduling: 'lifo',
    ...(options.upstreamLocalAddress === '' ? {} : { localAddress: options.upstreamLocalAddress })
  })

  // A worker keeps no history of its own: it hands its interval to the primary once a second.
  const traffic = new TrafficHistory({ capacity: worker === undefined ? HISTORY_SAMPLES : 1, intervalMs: HISTORY_INTERVAL_MS }, startedAtMs)
  const events = new EventLog({ capacity: EVENTS_KEPT })
  const forwarder: RequestForwarder = new RequestForwarder({ options, balancer, retryPolicy, agent, metrics, logger, onTransition: onPassiveTransition, traffic, events: worker?.retries ?? events })
  const { discovery, healthChecker, stop: stopWatch } = createUpstreamWatch(options, balancer, logger, { resolveHost: dependencies.resolveHost, onTransition })

  const serverOptions: http.ServerOptions = {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    connectionsCheckingInterval: options.connectionsCheckingIntervalMs,
    // Node would answer a Host-less HTTP/1.1 request itself with an empty 400;
    // the forwarder answers it with the coded error instead.
    requireHostHeader: false
  }
  const onClientError = createClientErrorHandler(logger)
  const server = http.createServer(serverOptions, (req, res) => forwarder.handle(req, res, 'http'))
  server.on('clientError', onClientError)
  const httpsServer = options.tls === undefined
    ? undefined
    : https.createServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, (req, res) => forwarder.handle(req, res, 'https'))
  httpsServer?.on('clientError', onClientError)
  httpsServer?.on('tlsClientError', (error) => logger.debug({ err: error }, 'TLS handshake failed'))
  const adminServer = createAdminServer({
    balancer,
    metrics,
    totals: forwarder.totals,
    traffic,
    events,
    startedAtMs,
    logger,
    headersTimeoutMs: options.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs
  })

  let closing: Promise<void> | undefined
  let sampler: NodeJS.Timeout | undefined

  /** A state change this process's own requests caused (a connect failure). */
  function onPassiveTransition (transition: HealthTransition, reason: string): void {
    onTransition(transition, reason)
    if (worker !== undefined && transition.to === 'ejected') worker.onEjected(transition.upstream.id, reason)
  }

  function onTransition (transition: HealthTransition, reason: string): void {
    const { upstream, from, to } = transition
    // With workers the primary logs the LB's transitions once; a worker's copy is debug.
    const level = worker !== undefined ? 'debug' : to === 'healthy' ? 'info' : 'warn'
    logger[level]({ upstream: upstream.name, url: upstream.url, from, to, reason }, `upstream ${upstream.name} is ${to}`)
    events.transition(upstream, from, to, reason)
    if (from === 'healthy') {
      metrics.ejections.inc({ upstream: upstream.name, reason: to === 'ejected' ? 'connect' : to })
    }
    if (to === 'unhealthy') forwarder.releaseWaitingOn(upstream.id)
  }

  function nodeStates (): ObservedNode[] {
    return balancer.list().map((upstream) => ({ id: upstream.id, name: upstream.name, state: balancer.state(upstream.id) ?? 'unhealthy' }))
  }

  function sampleTraffic (): void {
    const nodes = nodeStates()
    traffic.sample(Date.now(), nodes)
    events.observe(nodes)
  }

  async function listen (): Promise<LbAddresses> {
    await discovery.refresh()
    discovery.start()
    healthChecker.start()
    events.observe(nodeStates())
    sampler ??= setInterval(sampleTraffic, HISTORY_INTERVAL_MS)
    sampler.unref()
    const [httpAddress, httpsAddress, adminAddress] = await Promise.all([
      listenOn(server, options.port, options.host),
      httpsServer === undefined ? Promise.resolve(undefined) : listenOn(httpsServer, options.httpsPort, options.httpsHost),
      listenOn(adminServer, options.adminPort, options.adminHost)
    ])
    return { http: httpAddress, https: httpsAddress, admin: adminAddress }
  }

  async function listenTraffic (): Promise<Omit<LbAddresses, 'admin'>> {
    const [httpAddress, httpsAddress] = await Promise.all([
      listenOn(server, options.port, options.host),
      httpsServer === undefined ? Promise.resolve(undefined) : listenOn(httpsServer, options.httpsPort, options.httpsHost)
    ])
    return { http: httpAddress, https: httpsAddress }
  }

  function applyCheck (upstreamId: string, result: CheckResult): void {
    const transition = balancer.recordCheck(upstreamId, result)
    if (transition !== undefined) onTransition(transition, `health check: ${result}`)
  }

  function applyEjection (upstreamId: string): void {
    const transition = balancer.recordConnectFailure(upstreamId)
    if (transition !== undefined) onTransition(transition, 'a request of another worker could not connect')
  }

  async function close (): Promise<void> {
    closing ??= (async () => {
      const traffic = [server, httpsServer].filter((s): s is http.Server => s !== undefined)
      forwarder.beginShutdown(() => { for (const s of traffic) s.closeIdleConnections() })
      // close() stops accepting at once and resolves once every connection has
      // ended: idle keep-alive connections are closed now, busy ones after
      // their response (which carries Connection: close), stragglers at the
      // deadline. Health checks keep running meanwhile, so requests still in
      // flight are retried on upstreams that are really up.
      const drained = Promise.all(traffic.map(closeServer))
      for (const s of traffic) s.closeIdleConnections()
      const deadline = setTimeout(() => { for (const s of traffic) s.closeAllConnections() }, options.shutdownTimeoutMs)
      deadline.unref()
      await drained
      clearTimeout(deadline)
      clearInterval(sampler)
      await stopWatch()
      const admin = closeServer(adminServer)
      adminServer.closeAllConnections()
      await admin
      forwarder.close()
      agent.destroy()
    })()
    await closing
  }

  return {
    options,
    balancer,
    metrics,
    totals: forwarder.totals,
    traffic,
    events,
    server,
    httpsServer,
    adminServer,
    listen,
    refreshUpstreams: () => discovery.refresh(),
    checkHealth: () => healthChecker.checkAll(),
    sampleTraffic,
    close,
    listenTraffic,
    applyCheck,
    applyEjection
  }
}

function listenOn (server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server.address() as AddressInfo)
    })
  })
}

function closeServer (server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve()
  return new Promise((resolve) => server.close(() => resolve()))
}
