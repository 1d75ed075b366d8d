import http, { type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { attemptFailureCodes, type Balancer, type HealthTransition, type RetryPolicy, type Upstream } from '@stickless/balancer'
import type { Logger } from 'pino'
import { errorCodes, type LbError } from '../config/errors.js'
import type { ResolvedLbOptions } from '../config/options.js'
import { sendError } from '../http/error-response.js'
import { requestIdOf } from '../http/request-id.js'
import { setUpgradeForwardedHeaders, type ForwardedProto } from '../proxy/forwarded-headers.js'
import { writeUpstreamHead } from '../proxy/response-head.js'
import type { EventLog } from '../status/event-log.js'
import type { LbMetrics } from '../status/metrics.js'
import type { RequestTotals } from '../status/status-report.js'
import type { TrafficHistory } from '../status/traffic-history.js'
import { closeCodes } from './close-frame.js'
import { UpgradedTunnel } from './upgraded-tunnel.js'

export interface UpgradeForwarderDependencies {
  readonly options: ResolvedLbOptions
  readonly balancer: Balancer
  readonly retryPolicy: Pick<RetryPolicy, 'decide'>
  readonly metrics: Pick<LbMetrics, 'retries' | 'upgrades' | 'upgradedSockets'>
  readonly logger: Logger
  /** `upgradedSockets` is kept here; retries and the LB's own answers are counted as for requests. */
  readonly totals: RequestTotals
  readonly onTransition: (transition: HealthTransition, reason: string) => void
  readonly traffic?: TrafficHistory
  readonly events?: Pick<EventLog, 'retry'>
}

/** One upgrade request on its way to a node: what its attempts share. */
interface Handshake {
  readonly req: IncomingMessage
  readonly socket: Socket
  readonly head: Buffer
  readonly requestId: string
  readonly tried: Set<string>
  attempts: number
  /** The client left before the handshake ended: nothing more is tried. */
  gone: boolean
}

type Failure = { readonly code: string, readonly message: string, readonly connected: boolean }

/**
 * The HTTP servers' `upgrade` listener: proxies WebSocket upgrades to a node
 * in rotation, round robin like requests. Its own small forwarder on
 * http.request rather than http-proxy's ws path, which can neither retry nor
 * relay a node's refusal as an answer: an attempt that cannot connect (or is
 * reset before the node answers) goes to a node not yet tried, as the retry
 * policy allows for a GET; a node's non-101 answer (401, 403, 503) reaches
 * the client as sent; a 101 opens an UpgradedTunnel, and nothing is retried
 * after it. Plain requests never reach this code.
 */
export class UpgradeForwarder {
  private readonly tunnels = new Map<string, Set<UpgradedTunnel>>()
  /** Tunnels open plus handshakes under way: what the limit counts. */
  private held = 0
  private closing = false

  constructor (private readonly deps: UpgradeForwarderDependencies) {}

  /** Open tunnels per upstream id. */
  countsByUpstream (): Map<string, number> {
    const counts = new Map<string, number>()
    for (const [id, set] of this.tunnels) if (set.size > 0) counts.set(id, set.size)
    return counts
  }

  handle (req: IncomingMessage, socket: Socket, head: Buffer, proto: ForwardedProto): void {
    socket.on('error', (error) => this.deps.logger.debug({ err: error }, 'upgrade client socket error'))
    const requestId = requestIdOf(req.headers)
    const handshake: Handshake = { req, socket, head, requestId, tried: new Set(), attempts: 0, gone: false }
    try {
      if (this.closing) {
        this.refuse(handshake, new errorCodes.STK_ERR_LB_SHUTTING_DOWN())
        return
      }
      if (this.held >= this.deps.options.maxUpgradedSockets) {
        this.refuse(handshake, new errorCodes.STK_ERR_LB_TOO_MANY_UPGRADES(this.deps.options.maxUpgradedSockets))
        return
      }
      if (req.headers.upgrade?.toLowerCase() !== 'websocket' || req.method !== 'GET') {
        this.refuse(handshake, new errorCodes.STK_ERR_LB_BAD_REQUEST('only WebSocket upgrades (GET, Upgrade: websocket) are proxied'))
        return
      }
      setUpgradeForwardedHeaders(req, proto, requestId)
      this.held += 1
      socket.once('close', () => { handshake.gone = true })
      this.attempt(handshake, this.deps.balancer.pick(undefined, 'upgrade'))
    } catch (error) {
      this.deps.logger.error({ reqId: requestId, err: error }, 'upgrade handling failed')
      socket.destroy()
    }
  }

  /** From now on upgrades are refused with 503; open tunnels stay until closeAll. */
  beginShutdown (): void {
    this.closing = true
  }

  /** Closes every open tunnel with `code` (1001) and resolves once all have closed (within the close bound). */
  async closeAll (code = closeCodes.goingAway, reason = 'the load balancer shuts down'): Promise<void> {
    const all = [...this.tunnels.values()].flatMap((set) => [...set])
    for (const tunnel of all) tunnel.close(code, reason)
    await Promise.all(all.map((tunnel) => tunnel.closed))
  }

  /** The upstream was found down: its tunnels are cut, so their clients see a close and reconnect elsewhere. */
  destroyOn (upstreamId: string): void {
    const set = this.tunnels.get(upstreamId)
    if (set === undefined || set.size === 0) return
    this.deps.logger.warn({ upstreamId, sockets: set.size }, 'closing the WebSockets of an upstream that failed its health checks')
    for (const tunnel of [...set]) tunnel.destroy()
  }

  private attempt (handshake: Handshake, upstream: Upstream | undefined, last?: { upstream: Upstream, failure: Failure }): void {
    if (handshake.gone) {
      this.held -= 1
      return
    }
    if (upstream === undefined) {
      this.held -= 1
      this.refuse(handshake, this.errorFor(last), last?.upstream.name ?? 'none', 'failed')
      return
    }
    const { options, balancer } = this.deps
    handshake.attempts += 1
    balancer.recordStart(upstream.id)
    const startedAt = performance.now()
    const target = new URL(upstream.url)
    let settled = false
    let connected = false
    let connectTimer: NodeJS.Timeout | undefined
    const settle = (): boolean => {
      if (settled) return false
      settled = true
      clearTimeout(connectTimer)
      handshake.socket.off('close', onClientGone)
      return true
    }
    const proxyReq = http.request({
      host: target.hostname,
      port: target.port,
      method: 'GET',
      path: handshake.req.url,
      headers: handshake.req.headers,
      // A connection of its own: once upgraded it belongs to the tunnel.
      agent: false,
      timeout: options.proxyTimeoutMs,
      ...(options.upstreamLocalAddress === '' ? {} : { localAddress: options.upstreamLocalAddress })
    })
    const fail = (failure: Failure): void => {
      if (!settle()) return
      proxyReq.destroy()
      this.settleFailure(handshake, upstream, failure, startedAt)
    }
    const onClientGone = (): void => {
      if (!settle()) return
      proxyReq.destroy()
      this.held -= 1
      this.recordFinish(upstream.id, { latencyMs: performance.now() - startedAt, failed: false, retried: false, clientAborted: true })
    }
    handshake.socket.once('close', onClientGone)
    proxyReq.on('socket', (socket: Socket) => {
      if (!socket.connecting) {
        connected = true
        return
      }
      connectTimer = setTimeout(() => {
        fail({ code: attemptFailureCodes.connectTimeout, message: `no connection within ${options.connectTimeoutMs} ms`, connected: false })
      }, options.connectTimeoutMs)
      socket.once('connect', () => {
        connected = true
        clearTimeout(connectTimer)
      })
    })
    proxyReq.on('timeout', () => {
      fail({ code: attemptFailureCodes.upstreamTimeout, message: `no answer within ${options.proxyTimeoutMs} ms`, connected })
    })
    proxyReq.on('error', (error: NodeJS.ErrnoException) => {
      fail({ code: error.code ?? 'UNKNOWN', message: error.message, connected })
    })
    proxyReq.on('response', (response: IncomingMessage) => {
      if (!settle()) {
        response.destroy()
        return
      }
      this.held -= 1
      this.relayRefusal(handshake, upstream, response, startedAt)
    })
    proxyReq.on('upgrade', (response: IncomingMessage, nodeSocket: Socket, nodeHead: Buffer) => {
      if (!settle()) {
        nodeSocket.destroy()
        return
      }
      this.open(handshake, upstream, response, nodeSocket, nodeHead, startedAt)
    })
    proxyReq.end()
  }

  private settleFailure (handshake: Handshake, upstream: Upstream, failure: Failure, startedAt: number): void {
    const { balancer, retryPolicy, metrics, logger } = this.deps
    if (!failure.connected) {
      const transition = balancer.recordConnectFailure(upstream.id)
      if (transition !== undefined) this.deps.onTransition(transition, `an upgrade could not connect (${failure.code}); out for up to ${balancer.options.ejectionTimeMs / 1000} s`)
    }
    const decision = retryPolicy.decide({
      method: 'GET',
      errorCode: failure.code,
      // With a connection of its own, a reset after connecting may have reached the node (GET: retried all the same).
      requestSent: failure.connected,
      responseStarted: false,
      bytesSentToClient: 0,
      requestBodyBuffered: true,
      attempt: handshake.attempts
    })
    handshake.tried.add(upstream.id)
    const next = decision.retry && !handshake.gone ? balancer.pick(handshake.tried, 'upgrade') : undefined
    this.recordFinish(upstream.id, { latencyMs: performance.now() - startedAt, failed: true, retried: next !== undefined })
    logger.warn({ reqId: handshake.requestId, upstream: upstream.name, code: failure.code, error: failure.message, attempt: handshake.attempts, retry: decision.reason, next: next?.name }, 'upgrade attempt failed')
    if (next !== undefined) {
      metrics.retries.inc({ upstream: upstream.name, reason: decision.reason })
      this.deps.totals.retries += 1
      this.deps.events?.retry(upstream, `${decision.reason} (${failure.code})`)
    }
    this.attempt(handshake, next, { upstream, failure })
  }

  /** The node answered without upgrading (401, 403, 503 draining, ...): its answer goes to the client as sent, then the connection ends. */
  private relayRefusal (handshake: Handshake, upstream: Upstream, response: IncomingMessage, startedAt: number): void {
    this.deps.metrics.upgrades.inc({ upstream: upstream.name, outcome: 'refused' })
    const res = answerOn(handshake)
    const written = writeUpstreamHead(res, response, { requestId: handshake.requestId, close: true })
    const finish = (failed: boolean): void => {
      this.recordFinish(upstream.id, { latencyMs: performance.now() - startedAt, statusCode: response.statusCode, failed, retried: false })
    }
    if (written === undefined) {
      response.destroy()
      finish(true)
      sendError(handshake.req, res, new errorCodes.STK_ERR_LB_BAD_GATEWAY(upstream.name, `invalid status ${String(response.statusCode)}`), handshake.requestId)
      return
    }
    response.on('error', () => {
      finish(true)
      handshake.socket.destroy()
    })
    response.on('end', () => finish(false))
    response.pipe(res)
  }

  private open (handshake: Handshake, upstream: Upstream, response: IncomingMessage, nodeSocket: Socket, nodeHead: Buffer, startedAt: number): void {
    const { socket: client, requestId } = handshake
    this.recordFinish(upstream.id, { latencyMs: performance.now() - startedAt, statusCode: 101, failed: false, retried: false })
    nodeSocket.setTimeout(0)
    if (client.destroyed || !client.writable) {
      this.held -= 1
      nodeSocket.destroy()
      return
    }
    // The node's 101 as it sent it (Upgrade, Connection, Sec-WebSocket-Accept, ...), with the request id.
    let head = 'HTTP/1.1 101 Switching Protocols\r\n'
    const raw = response.rawHeaders
    for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() !== 'x-request-id') head += `${raw[i] as string}: ${raw[i + 1] as string}\r\n`
    head += `x-request-id: ${requestId}\r\n\r\n`
    client.write(head)

    const tunnel = new UpgradedTunnel(upstream, client, nodeSocket, {
      idleTimeoutMs: this.deps.options.upgradeIdleTimeoutMs,
      closeTimeoutMs: this.deps.options.upgradeCloseTimeoutMs
    })
    let set = this.tunnels.get(upstream.id)
    if (set === undefined) this.tunnels.set(upstream.id, set = new Set())
    set.add(tunnel)
    this.deps.totals.upgradedSockets += 1
    this.deps.metrics.upgradedSockets.inc({ upstream: upstream.name })
    this.deps.metrics.upgrades.inc({ upstream: upstream.name, outcome: 'accepted' })
    void tunnel.closed.then(() => {
      this.held -= 1
      this.deps.totals.upgradedSockets -= 1
      this.deps.metrics.upgradedSockets.dec({ upstream: upstream.name })
      set.delete(tunnel)
      if (set.size === 0 && this.tunnels.get(upstream.id) === set) this.tunnels.delete(upstream.id)
    })
    tunnel.start(handshake.head, nodeHead)
  }

  /** The LB's own answer to an upgrade it does not forward (or could not), counted as refused or failed. */
  private refuse (handshake: Handshake, error: LbError, upstreamName = 'none', outcome: 'refused' | 'failed' = 'refused'): void {
    this.deps.metrics.upgrades.inc({ upstream: upstreamName, outcome })
    this.deps.totals.lbErrors += 1
    if (error.code === 'STK_ERR_LB_NO_HEALTHY_BACKEND') this.deps.totals.noHealthyBackend += 1
    if (handshake.socket.destroyed) return
    sendError(handshake.req, answerOn(handshake), error, handshake.requestId)
  }

  private errorFor (last: { upstream: Upstream, failure: Failure } | undefined): LbError {
    if (last === undefined || (!last.failure.connected && this.deps.balancer.availableCount() === 0)) return new errorCodes.STK_ERR_LB_NO_HEALTHY_BACKEND()
    const { upstream, failure } = last
    if (failure.code === attemptFailureCodes.connectTimeout) return new errorCodes.STK_ERR_LB_UPSTREAM_TIMEOUT(upstream.name, this.deps.options.connectTimeoutMs)
    if (failure.code === attemptFailureCodes.upstreamTimeout) return new errorCodes.STK_ERR_LB_UPSTREAM_TIMEOUT(upstream.name, this.deps.options.proxyTimeoutMs)
    return new errorCodes.STK_ERR_LB_BAD_GATEWAY(upstream.name, failure.code)
  }

  private recordFinish (upstreamId: string, outcome: Parameters<Balancer['recordFinish']>[1]): void {
    this.deps.balancer.recordFinish(upstreamId, outcome)
    this.deps.traffic?.record(upstreamId, outcome)
  }
}

/**
 * An HTTP response written straight onto the upgrade's socket, so the LB's
 * coded errors and a node's refusal go out through the same code as for
 * requests (Node frames the body; `Connection: close`), and the socket ends
 * once it is sent.
 */
function answerOn (handshake: Handshake): http.ServerResponse {
  const res = new http.ServerResponse(handshake.req)
  res.shouldKeepAlive = false
  res.assignSocket(handshake.socket)
  res.on('error', () => handshake.socket.destroy())
  res.once('finish', () => handshake.socket.end())
  return res
}
