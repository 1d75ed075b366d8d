import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { RetryPolicy, type Balancer, type CheckResult, type HealthTransition, type UpstreamDiff } from '@stickless/balancer'
import type { Logger } from 'pino'
import { createLogger } from './config/logger.js'
import { resolveLbOptions, type LbOptions, type ResolvedLbOptions } from './config/options.js'
import { closeServer, listenOn } from './http/listen.js'
import { createLbCore, type LbCore } from './lb-core.js'
import { createClientErrorHandler } from './proxy/client-error.js'
import { RequestForwarder } from './proxy/request-forwarder.js'
import { UpgradeForwarder } from './upgrade/upgrade-forwarder.js'
import type { EventLog } from './status/event-log.js'
import type { LbMetrics } from './status/metrics.js'
import { emptyRequestTotals, type RequestTotals } from './status/status-report.js'
import type { TrafficHistory } from './status/traffic-history.js'
import type { ResolveHost } from './upstreams/upstream-discovery.js'
import type { WorkerLink } from './workers/cluster-worker.js'

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
  /** Per upstream, one sample every `historyIntervalMs` (a second) for the last 300: the status page's charts. */
  readonly traffic: TrafficHistory
  /** Ejections, drains, returns and retries with their reasons: the status page's timeline. */
  readonly events: EventLog
  readonly server: http.Server
  readonly httpsServer: https.Server | undefined
  readonly adminServer: http.Server
  /** Resolves the backends, starts health checks and re-resolution, and listens on every port. */
  listen: () => Promise<LbAddresses>
  /** Resolves the backends at once (also done every `resolveIntervalMs`). */
  refreshUpstreams: () => Promise<UpstreamDiff>
  /** Runs one round of active health checks at once (also done every `healthIntervalMs`). */
  checkHealth: () => Promise<void>
  /** Closes the traffic history's interval at once and notes state changes no transition reported (also done every `historyIntervalMs`). */
  sampleTraffic: () => void
  /** Stops accepting, lets in-flight requests finish (up to `shutdownTimeoutMs`), closes upstream connections. */
  close: () => Promise<void>
  /** A cluster worker's listen: the HTTP (and HTTPS) listeners only, no checks, resolution or admin port. */
  listenTraffic: () => Promise<Omit<LbAddresses, 'admin'>>
  /** A check result the primary made: applied as if this process had checked (a worker's balancer follows the primary's). */
  applyCheck: (upstreamId: string, result: CheckResult) => void
  /** Another worker's request could not connect to this upstream: eject it here too. */
  applyEjection: (upstreamId: string) => void
  /** Open upgraded (WebSocket) connections per upstream id. */
  upgradedSockets: () => ReadonlyMap<string, number>
}

/**
 * Builds the LB without listening, so tests can start it on port 0 and main
 * only reads env: the LB core (balancer, upstream watch, status, admin port)
 * with the proxy beside it (the forwarder, its upstream agent and the HTTP and
 * HTTPS listeners). In a cluster worker the same LB only proxies: its core is
 * driven by the primary's check results, and the primary serves the admin port.
 */
export function createLoadBalancer (input: LbOptions, dependencies: LbDependencies = {}): LoadBalancer {
  const options = resolveLbOptions(input)
  const logger = dependencies.logger ?? createLogger('info')
  const worker = dependencies.worker
  const totals = emptyRequestTotals()
  const core: LbCore = createLbCore(options, {
    role: worker === undefined ? 'single' : 'worker',
    logger,
    resolveHost: dependencies.resolveHost,
    processMetrics: dependencies.processMetrics ?? true,
    status: { totals, upgradedSockets: () => upgrades.countsByUpstream() },
    afterTransition: (transition) => {
      if (transition.to !== 'unhealthy') return
      forwarder.releaseWaitingOn(transition.upstream.id)
      upgrades.destroyOn(transition.upstream.id)
    }
  })
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
  const retryPolicy = new RetryPolicy({ maxAttempts: options.maxAttempts })
  // Requests and upgrades share the policy, the counts and the events.
  const forwarding = {
    options,
    balancer: core.balancer,
    retryPolicy,
    metrics: core.metrics,
    logger,
    totals,
    onTransition: onPassiveTransition,
    traffic: core.traffic,
    events: worker?.retries ?? core.events
  }
  const upgrades = new UpgradeForwarder(forwarding)
  const forwarder: RequestForwarder = new RequestForwarder({ ...forwarding, agent })

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
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => upgrades.handle(req, socket, head, 'http'))
  const httpsServer = options.tls === undefined
    ? undefined
    : https.createServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, (req, res) => forwarder.handle(req, res, 'https'))
  httpsServer?.on('clientError', onClientError)
  httpsServer?.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => upgrades.handle(req, socket, head, 'https'))
  httpsServer?.on('tlsClientError', (error) => logger.debug({ err: error }, 'TLS handshake failed'))

  let closing: Promise<void> | undefined

  /** A state change this process's own requests caused (a connect failure): a worker's primary hears of an ejection at once. */
  function onPassiveTransition (transition: HealthTransition, reason: string): void {
    core.onTransition(transition, reason)
    if (worker !== undefined && transition.to === 'ejected') worker.onEjected(transition.upstream.id, reason)
  }

  async function listen (): Promise<LbAddresses> {
    await core.watch()
    const [trafficAddresses, admin] = await Promise.all([listenTraffic(), core.listenAdmin()])
    return { ...trafficAddresses, admin }
  }

  async function listenTraffic (): Promise<Omit<LbAddresses, 'admin'>> {
    const [httpAddress, httpsAddress] = await Promise.all([
      listenOn(server, options.port, options.host),
      httpsServer === undefined ? Promise.resolve(undefined) : listenOn(httpsServer, options.httpsPort, options.httpsHost)
    ])
    return { http: httpAddress, https: httpsAddress }
  }

  async function close (): Promise<void> {
    closing ??= (async () => {
      const listeners = [server, httpsServer].filter((s): s is http.Server => s !== undefined)
      forwarder.beginShutdown(() => { for (const s of listeners) s.closeIdleConnections() })
      upgrades.beginShutdown()
      // close() stops accepting at once and resolves once every connection has
      // ended: idle keep-alive connections are closed at once, busy ones after
      // their response (which carries Connection: close), stragglers at the
      // deadline. Health checks keep running meanwhile, so requests still in
      // flight are retried on upstreams that are really up.
      const drained = Promise.all(listeners.map(closeServer))
      for (const s of listeners) s.closeIdleConnections()
      // Upgraded connections are no longer the HTTP server's to close: after
      // the grace period they get a close frame (1001) and end, within
      // upgradeCloseTimeoutMs, and the servers' close can then resolve.
      const deadline = setTimeout(() => {
        for (const s of listeners) s.closeAllConnections()
        void upgrades.closeAll()
      }, options.shutdownTimeoutMs)
      deadline.unref()
      await drained
      clearTimeout(deadline)
      await core.stop()
      forwarder.close()
      agent.destroy()
    })()
    await closing
  }

  return {
    options,
    balancer: core.balancer,
    metrics: core.metrics,
    totals,
    traffic: core.traffic,
    events: core.events,
    server,
    httpsServer,
    adminServer: core.adminServer,
    listen,
    refreshUpstreams: core.refreshUpstreams,
    checkHealth: core.checkHealth,
    sampleTraffic: core.sampleTraffic,
    close,
    listenTraffic,
    applyCheck: core.applyCheck,
    applyEjection: (upstreamId) => core.applyEjection(upstreamId, 'a request of another worker could not connect'),
    upgradedSockets: () => upgrades.countsByUpstream()
  }
}
