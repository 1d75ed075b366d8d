import type { Agent, IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Stream } from 'node:stream'
// http-proxy takes a legacy url.parse() object as its target (a WHATWG URL lacks its fields)
// eslint-disable-next-line n/no-deprecated-api
import { parse as parseUrl, type Url } from 'node:url'
import { attemptFailureCodes, type AttemptOutcome, type Balancer, type HealthTransition, type RetryPolicy, type Upstream } from '@stickless/balancer'
import httpProxy from 'http-proxy'
import type { Logger } from 'pino'
import { errorCodes } from '../config/errors.js'
import type { ResolvedLbOptions } from '../config/options.js'
import { requestIdOf } from '../http/request-id.js'
import type { EventLog } from '../status/event-log.js'
import type { LbMetrics } from '../status/metrics.js'
import type { RequestTotals } from '../status/status-report.js'
import type { TrafficHistory } from '../status/traffic-history.js'
import { AttemptSettlement } from './attempt-settlement.js'
import { canDiscard, discardRequestBody } from './body/body-discard.js'
import { bodyTooLargeCode, emptyBody, hasBody, readRequestBody, replay, type RequestBody } from './body/request-body.js'
import { exchangeOf, startExchange, type Exchange } from './exchange.js'
import { setBufferedBodyLength, setForwardedHeaders, type ForwardedProto } from './forwarded-headers.js'
import { LbAnswers } from './lb-answers.js'
import { ProxyAttempt, lbFailureCodes, type AttemptResult } from './proxy-attempt.js'
import { writeUpstreamHead } from './response-head.js'
import { relayResponseBody } from './response-relay.js'
import { lbTracing, traceAttempt, traceAttemptResult, traceExchange, traceExchangeEnd } from '../tracing/lb-tracing.js'
import { lbServerTiming, noteFailedAttempt } from '../tracing/server-timing.js'

export interface RequestForwarderOptions {
  readonly options: ResolvedLbOptions
  readonly balancer: Balancer
  readonly retryPolicy: RetryPolicy
  readonly agent: Agent
  readonly metrics: LbMetrics
  readonly logger: Logger
  /** The LB-wide counters this forwarder keeps: the status page's totals. */
  readonly totals: RequestTotals
  /** Called with each state change the forwarder causes (passive ejections), and why in words. */
  readonly onTransition: (transition: HealthTransition, reason: string) => void
  /** Per-second samples for the status page; every finished attempt is recorded there too. */
  readonly traffic?: TrafficHistory
  /** The status page's timeline (a cluster worker's tally for it); retries are noted there. */
  readonly events?: Pick<EventLog, 'retry'>
}

/**
 * Forwards client requests to upstreams with http-proxy: picks an upstream,
 * tries it (a ProxyAttempt), and on a failure asks the retry policy whether to
 * try another (AttemptSettlement). Every error path of http-proxy ends here:
 * the per-request callback, the 'econnreset' event (a client that left), the
 * response stream, and a synchronous throw from http.request. So do the
 * client's own: its request and response streams' errors and its response's
 * close, through the three listeners every request shares.
 */
export class RequestForwarder {
  readonly totals: RequestTotals
  private readonly proxy: httpProxy
  private readonly answers: LbAnswers
  private readonly settlement: AttemptSettlement
  // Attempts waiting for an answer, per upstream, so a health verdict can release them.
  private readonly waiting = new Map<string, Set<ProxyAttempt>>()
  // Parsed upstream origins, as http-proxy's setupOutgoing reads them.
  private readonly targets = new Map<string, Url>()
  private closing = false
  private afterResponse: (() => void) | undefined

  // Listeners shared by every request (`this` is the emitter), not closures per request.
  private readonly onClientResponseError: (this: ServerResponse, error: Error) => void
  private readonly onClientRequestError: (this: IncomingMessage, error: Error) => void
  private readonly onClientResponseClose: (this: ServerResponse) => void

  constructor (private readonly deps: RequestForwarderOptions) {
    this.totals = deps.totals
    const logger = deps.logger
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the listeners below get the emitter as `this`
    const forwarder = this
    this.onClientResponseError = function onClientResponseError (error) {
      logger.debug({ reqId: exchangeOf(this)?.requestId, err: error }, 'client response error')
    }
    this.onClientRequestError = function onClientRequestError (error) {
      // setForwardedHeaders put the request id there before any I/O.
      logger.debug({ reqId: this.headers['x-request-id'], err: error }, 'client request error')
    }
    this.onClientResponseClose = function onClientResponseClose () {
      const exchange = exchangeOf(this)
      if (exchange !== undefined) forwarder.finish(exchange)
    }
    this.answers = new LbAnswers({ options: deps.options, balancer: deps.balancer, totals: deps.totals, logger })
    this.settlement = new AttemptSettlement({
      options: deps.options,
      balancer: deps.balancer,
      retryPolicy: deps.retryPolicy,
      metrics: deps.metrics,
      logger,
      totals: deps.totals,
      answers: this.answers,
      onTransition: deps.onTransition,
      events: deps.events,
      recordFinish: (upstreamId, outcome) => this.recordFinish(upstreamId, outcome),
      streamResponse: (exchange, attempt, response) => this.streamResponse(exchange, attempt, response),
      tryUpstream: (exchange, upstream) => this.tryUpstream(exchange, upstream)
    })
    this.proxy = httpProxy.createProxyServer({
      agent: deps.agent,
      // X-Forwarded-* are set by setForwardedHeaders: xfwd appends to a client's values.
      xfwd: false,
      // The response is copied by writeUpstreamHead and relayResponseBody, with error
      // handling; http-proxy's own copy throws on bad headers and ignores a
      // response stream that breaks.
      selfHandleResponse: true,
      proxyTimeout: deps.options.proxyTimeoutMs,
      ws: false
    })
    // A throw inside these listeners would surface in a socket callback and
    // end the process, so each one is guarded.
    this.proxy.on('proxyReq', (proxyReq, _req, res) => {
      try {
        exchangeOf(res)?.attempt?.onProxyReq(proxyReq)
      } catch (error) {
        this.handlerFailed(error)
      }
    })
    this.proxy.on('proxyRes', (proxyRes, _req, res) => {
      try {
        if (exchangeOf(res)?.attempt?.onResponse(proxyRes) !== true) proxyRes.destroy()
      } catch (error) {
        this.handlerFailed(error)
      }
    })
    // http-proxy reports an upstream error after the client socket closed as
    // 'econnreset' instead of calling the request's callback.
    this.proxy.on('econnreset', (_error, _req, res) => this.guard(() => exchangeOf(res)?.attempt?.onClientGone()))
    // Errors with no callback (none are expected) must still have a listener,
    // or http-proxy rethrows them.
    this.proxy.on('error', (error) => deps.logger.error({ err: error }, 'http-proxy error without a request callback'))
  }

  /** The request listener for the HTTP and HTTPS servers. */
  handle (req: IncomingMessage, res: ServerResponse, proto: ForwardedProto): void {
    try {
      this.serve(req, res, proto)
    } catch (error) {
      this.answers.internalFailure(req, res, error)
    }
  }

  /** After this call responses close their connection, so clients move to another LB. */
  beginShutdown (afterResponse: () => void): void {
    this.closing = true
    this.afterResponse = afterResponse
  }

  /**
   * An upstream turned unhealthy: attempts still waiting on it are aborted and
   * retried elsewhere when the policy allows that for an upstream that may
   * have seen the request (idempotent, buffered). Others keep waiting.
   */
  releaseWaitingOn (upstreamId: string): void {
    // A copy: an abort settles its attempt at once, which leaves the set.
    for (const attempt of [...this.waiting.get(upstreamId) ?? []]) {
      const { method, bodyBuffered, number } = attempt.context
      const allowed = this.deps.retryPolicy.shouldRetry({
        method,
        errorCode: attemptFailureCodes.upstreamUnhealthy,
        requestSent: true,
        responseStarted: false,
        bytesSentToClient: 0,
        requestBodyBuffered: bodyBuffered,
        attempt: number
      })
      if (allowed) attempt.abort(attemptFailureCodes.upstreamUnhealthy, 'the upstream failed its health checks while the request waited')
    }
  }

  /** Stops the proxy's own listeners; the agent is closed by its owner. */
  close (): void {
    this.proxy.close()
  }

  private serve (req: IncomingMessage, res: ServerResponse, proto: ForwardedProto): void {
    const exchange = startExchange(req, res, requestIdOf(req.headers))
    if (lbTracing.on) traceExchange(exchange)
    this.totals.requests += 1
    this.totals.inFlight += 1
    res.on('error', this.onClientResponseError)
    req.on('error', this.onClientRequestError)
    res.once('close', this.onClientResponseClose)

    if (this.closing) res.setHeader('connection', 'close')
    if (req.httpVersion === '1.1' && (req.headers.host === undefined || req.headers.host === '')) {
      // HTTP/1.1 requires Host (RFC 9112 §3.2). Node's own check answers with
      // an empty body, and forwarding would let Node's client invent one.
      this.answers.error(exchange, new errorCodes.STK_ERR_LB_MALFORMED_REQUEST(), { connection: 'close' })
      return
    }
    setForwardedHeaders(req, proto, exchange.requestId)

    if (!hasBody(req)) {
      this.forward(exchange, emptyBody(req))
      return
    }
    const { bodyBufferLimitBytes, maxBodyBytes } = this.deps.options
    readRequestBody(req, { bufferLimitBytes: bodyBufferLimitBytes, maxBodyBytes }).then(
      (body) => this.forward(exchange, body),
      (error: unknown) => this.answers.internalFailure(req, res, error)
    )
  }

  private forward (exchange: Exchange, body: RequestBody): void {
    const { req } = exchange
    if (body.kind === 'client-gone') return
    if (body.kind === 'too-large') {
      this.answers.refuseBody(exchange)
      return
    }
    if (body.kind === 'buffered') {
      if (body.present || body.bytes.length > 0) setBufferedBodyLength(req, body.bytes.length)
      exchange.source = replay(body.bytes)
    } else {
      exchange.bodyBuffered = false
      exchange.source = body.stream
      body.stream.once('error', (error: NodeJS.ErrnoException) => exchange.attempt?.abort(error.code ?? bodyTooLargeCode, error.message))
    }
    this.tryUpstream(exchange, this.deps.balancer.pick())
  }

  /** Starts an attempt on `upstream`, or answers when there is none left to try. */
  private tryUpstream (exchange: Exchange, upstream: Upstream | undefined): void {
    if (upstream === undefined || exchange.res.destroyed) {
      this.answers.withoutUpstream(exchange)
      return
    }
    exchange.upstreamName = upstream.name
    exchange.attempts += 1
    this.startAttempt(exchange, upstream)
  }

  private startAttempt (exchange: Exchange, upstream: Upstream): void {
    const attempt = new ProxyAttempt(upstream, {
      method: exchange.method,
      bodyBuffered: exchange.bodyBuffered,
      number: exchange.attempts,
      connectTimeoutMs: this.deps.options.connectTimeoutMs
    }, this.onResultOf(exchange))
    exchange.attempt = attempt
    let waiting = this.waiting.get(upstream.id)
    if (waiting === undefined) this.waiting.set(upstream.id, waiting = new Set())
    waiting.add(attempt)
    this.deps.balancer.recordStart(upstream.id)
    if (lbTracing.on) traceAttempt(exchange, attempt)
    try {
      // `buffer` is what http-proxy pipes into the upstream request instead of
      // `req`; it only calls its pipe(). A parsed target spares http-proxy a
      // url.parse per request.
      this.proxy.web(exchange.req, exchange.res, { target: this.targetOf(upstream), buffer: exchange.source as Stream }, (error) => this.guard(() => attempt.onProxyError(error)))
    } catch (error) {
      // http.request throws synchronously on a header it refuses to send;
      // unguarded, that kills the process (node-http-proxy#1679).
      attempt.fail(lbFailureCodes.badRequest, error instanceof Error ? error.message : String(error))
    }
  }

  private onResultOf (exchange: Exchange): (attempt: ProxyAttempt, result: AttemptResult) => void {
    return (attempt, result) => this.onAttemptResult(exchange, attempt, result)
  }

  private onAttemptResult (exchange: Exchange, attempt: ProxyAttempt, result: AttemptResult): void {
    try {
      this.stopWaiting(attempt)
      if (result.kind === 'failed') noteFailedAttempt(exchange, attempt, result.failure)
      if (lbTracing.on) traceAttemptResult(exchange, result)
      this.settlement.settle(exchange, attempt, result)
    } catch (error) {
      this.answers.internalFailure(exchange.req, exchange.res, error)
    }
  }

  private streamResponse (exchange: Exchange, attempt: ProxyAttempt, response: IncomingMessage): void {
    const { metrics, logger } = this.deps
    const { res, requestId } = exchange
    const upstream = attempt.upstream
    // An answer that comes before the client's body ended (a node refusing it
    // early) leaves the rest to be dropped; too much of it closes the connection.
    const close = this.closing || (!exchange.req.complete && !canDiscard(exchange.req, this.deps.options.bodyDiscardLimitBytes))
    const dropped = writeUpstreamHead(res, response, { requestId, close, serverTiming: lbServerTiming(exchange, attempt) })
    if (dropped === undefined) {
      response.destroy()
      this.recordFinish(upstream.id, { latencyMs: performance.now() - attempt.startedAt, failed: true, retried: false })
      this.answers.error(exchange, new errorCodes.STK_ERR_LB_BAD_GATEWAY(upstream.name, `invalid status ${String(response.statusCode)}`))
      return
    }
    if (dropped.length > 0) logger.warn({ reqId: requestId, upstream: upstream.name, dropped }, 'dropped response headers that Node refuses to send')

    relayResponseBody(response, res, (outcome) => {
      const latencyMs = performance.now() - attempt.startedAt
      const failed = outcome.kind === 'upstream-broke'
      const clientAborted = outcome.kind === 'client-gone'
      this.recordFinish(upstream.id, { latencyMs, statusCode: response.statusCode, failed, retried: false, clientAborted })
      if (outcome.kind === 'finished') metrics.upstreamDuration.observe({ upstream: upstream.name }, latencyMs / 1000)
      else if (failed) logger.warn({ reqId: requestId, upstream: upstream.name, err: outcome.error }, 'upstream response broke after it started; the client connection was cut')
    })
  }

  /** The client response closed: finished, cut, or the client left. */
  private finish (exchange: Exchange): void {
    const { req, res } = exchange
    this.totals.inFlight -= 1
    exchange.attempt?.onClientGone()
    if (res.writableFinished && !req.complete && canDiscard(req, this.deps.options.bodyDiscardLimitBytes)) {
      // Answered before the client finished its body (a node's early 413 or
      // 401, the LB's own errors): the node needs no more of it, and the
      // client's connection needs the rest read before it can carry the next
      // request. Up to this point it flowed to the node, which may still read.
      // (A body declared too large to drop: the answer said Connection: close.)
      exchange.attempt?.stopSending()
      discardRequestBody(req, this.deps.options.bodyDiscardLimitBytes)
    }
    const status = res.writableFinished ? String(res.statusCode) : 'aborted'
    if (lbTracing.on) traceExchangeEnd(exchange, res.writableFinished)
    this.deps.metrics.requests.inc({ upstream: exchange.upstreamName, status })
    if (this.deps.options.accessLog) this.logAccess(exchange, status)
    if (this.closing) setImmediate(() => this.afterResponse?.())
  }

  private logAccess (exchange: Exchange, status: string): void {
    this.deps.logger.info({
      reqId: exchange.requestId,
      method: exchange.method,
      url: exchange.req.url,
      status,
      upstream: exchange.upstreamName,
      attempts: exchange.attempts,
      durationMs: Math.round((performance.now() - exchange.startedAt) * 10) / 10
    }, 'request')
  }

  private targetOf (upstream: Upstream): Url {
    let target = this.targets.get(upstream.url)
    if (target === undefined) {
      // Upstreams come and go with re-resolution; the cache only ever holds a few origins.
      if (this.targets.size > 1024) this.targets.clear()
      target = Object.freeze(parseUrl(upstream.url))
      this.targets.set(upstream.url, target)
    }
    return target
  }

  /** One attempt ended: the balancer's counters and the status page's history hear of it. */
  private recordFinish (upstreamId: string, outcome: AttemptOutcome): void {
    this.deps.balancer.recordFinish(upstreamId, outcome)
    this.deps.traffic?.record(upstreamId, outcome)
  }

  private stopWaiting (attempt: ProxyAttempt): void {
    const waiting = this.waiting.get(attempt.upstream.id)
    waiting?.delete(attempt)
    if (waiting?.size === 0) this.waiting.delete(attempt.upstream.id)
  }

  private guard (fn: () => void): void {
    try {
      fn()
    } catch (error) {
      this.handlerFailed(error)
    }
  }

  private handlerFailed (error: unknown): void {
    this.deps.logger.error({ err: error }, 'proxy event handler failed')
  }
}
