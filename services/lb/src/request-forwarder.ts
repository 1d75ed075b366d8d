import type { Agent, IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Stream } from 'node:stream'
import { parse as parseUrl, type Url } from 'node:url'
import { attemptFailureCodes, type Balancer, type HealthTransition, type RetryPolicy, type Upstream } from '@stickless/balancer'
import httpProxy from 'http-proxy'
import type { Logger } from 'pino'
import type { LbError } from './coded-error.js'
import { sendError } from './error-response.js'
import { errors } from './errors.js'
import { setBufferedBodyLength, setForwardedHeaders, requestIdOf, type ForwardedProto } from './forwarded-headers.js'
import type { LbMetrics } from './metrics.js'
import type { ResolvedLbOptions } from './options.js'
import { ProxyAttempt, lbFailureCodes, type AttemptFailure } from './proxy-attempt.js'
import { bodyTooLargeCode, emptyBody, hasBody, readRequestBody, replay, type BodySource, type RequestBody } from './request-body.js'
import { writeUpstreamHead } from './response-head.js'
import { relayResponseBody } from './response-relay.js'

export interface RequestForwarderOptions {
  readonly options: ResolvedLbOptions
  readonly balancer: Balancer
  readonly retryPolicy: RetryPolicy
  readonly agent: Agent
  readonly metrics: LbMetrics
  readonly logger: Logger
  /** Called with each state change the forwarder causes (passive ejections). */
  readonly onTransition: (transition: HealthTransition) => void
}

/** LB-wide counters for the status page. */
export interface RequestTotals {
  requests: number
  inFlight: number
  retries: number
  /** Requests answered 503 because no upstream was in rotation. */
  noHealthyBackend: number
  /** Requests the LB itself answered with an error status (4xx/5xx). */
  lbErrors: number
}

interface LastFailure {
  readonly upstream: Upstream
  readonly failure: AttemptFailure
}

/**
 * Forwards client requests to upstreams with http-proxy: picks an upstream,
 * tries it, and on a failure asks the retry policy whether to try another.
 * Every error path of http-proxy ends here: the per-request callback, the
 * 'econnreset' event (a client that left), the response stream, and a
 * synchronous throw from http.request.
 */
export class RequestForwarder {
  readonly totals: RequestTotals = { requests: 0, inFlight: 0, retries: 0, noHealthyBackend: 0, lbErrors: 0 }
  private readonly proxy: httpProxy
  private readonly current = new WeakMap<IncomingMessage, ProxyAttempt>()
  // Attempts waiting for an answer, per upstream, so a health verdict can release them.
  private readonly waiting = new Map<string, Set<ProxyAttempt>>()
  // Parsed upstream origins, as http-proxy's setupOutgoing reads them.
  private readonly targets = new Map<string, Url>()
  private closing = false
  private afterResponse: (() => void) | undefined

  constructor (private readonly deps: RequestForwarderOptions) {
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
    this.proxy.on('proxyReq', (proxyReq, req) => this.guard(() => this.current.get(req)?.onProxyReq(proxyReq)))
    this.proxy.on('proxyRes', (proxyRes, req) => this.guard(() => {
      if (this.current.get(req)?.onResponse(proxyRes) !== true) proxyRes.destroy()
    }))
    // http-proxy reports an upstream error after the client socket closed as
    // 'econnreset' instead of calling the request's callback.
    this.proxy.on('econnreset', (_error, req) => this.guard(() => this.current.get(req)?.onClientGone()))
    // Errors with no callback (none are expected) must still have a listener,
    // or http-proxy rethrows them.
    this.proxy.on('error', (error) => deps.logger.error({ err: error }, 'http-proxy error without a request callback'))
  }

  /** The request listener for the HTTP and HTTPS servers. */
  handle (req: IncomingMessage, res: ServerResponse, proto: ForwardedProto): void {
    this.serve(req, res, proto).catch((error: unknown) => {
      this.deps.logger.error({ err: error, url: req.url }, 'request handling failed')
      try {
        sendError(req, res, new errors.STK_ERR_LB_INTERNAL(), requestIdOf(req.headers))
      } catch {
        res.destroy()
      }
    })
  }

  /** From now on responses close their connection, so clients move to another LB. */
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
    for (const attempt of this.waiting.get(upstreamId) ?? []) {
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

  private async serve (req: IncomingMessage, res: ServerResponse, proto: ForwardedProto): Promise<void> {
    const { options, balancer, retryPolicy, metrics } = this.deps
    const requestId = requestIdOf(req.headers)
    const log = this.deps.logger.child({ reqId: requestId })
    const startedAt = performance.now()
    const method = req.method ?? 'GET'
    const summary = { upstream: 'none', attempts: 0 }
    this.totals.requests += 1
    this.totals.inFlight += 1

    res.on('error', (error) => log.debug({ err: error }, 'client response error'))
    req.on('error', (error) => log.debug({ err: error }, 'client request error'))
    res.once('close', () => {
      this.totals.inFlight -= 1
      this.current.get(req)?.onClientGone()
      const status = res.writableFinished ? String(res.statusCode) : 'aborted'
      metrics.requests.inc({ upstream: summary.upstream, status })
      log.info({
        method,
        url: req.url,
        status,
        upstream: summary.upstream,
        attempts: summary.attempts,
        durationMs: Math.round((performance.now() - startedAt) * 10) / 10
      }, 'request')
      if (this.closing) setImmediate(() => this.afterResponse?.())
    })

    // x-request-id goes into writeHead with the rest (see response-head.ts):
    // a header set here would send Node down its slower merging path.
    if (this.closing) res.setHeader('connection', 'close')
    if (req.httpVersion === '1.1' && (req.headers.host === undefined || req.headers.host === '')) {
      // HTTP/1.1 requires Host (RFC 9112 §3.2). Node's own check answers with
      // an empty body, and forwarding would let Node's client invent one.
      this.answerError(req, res, new errors.STK_ERR_LB_MALFORMED_REQUEST(), requestId, { connection: 'close' })
      return
    }
    setForwardedHeaders(req, proto, requestId)

    const body = hasBody(req)
      ? await readRequestBody(req, { bufferLimitBytes: options.bodyBufferLimitBytes, maxBodyBytes: options.maxBodyBytes })
      : emptyBody(req)
    if (body.kind === 'client-gone') return
    if (body.kind === 'too-large') {
      // The rest of the body is not read, so the connection cannot carry another request.
      this.answerError(req, res, new errors.STK_ERR_LB_PAYLOAD_TOO_LARGE(options.maxBodyBytes), requestId, { connection: 'close' })
      return
    }
    if (body.kind === 'buffered' && (body.present || body.bytes.length > 0)) setBufferedBodyLength(req, body.bytes.length)

    const tried = new Set<string>()
    let upstream = balancer.pick()
    let last: LastFailure | undefined
    while (upstream !== undefined && !res.destroyed) {
      tried.add(upstream.id)
      summary.upstream = upstream.name
      summary.attempts += 1
      const attempt = this.startAttempt(req, res, upstream, body, method, summary.attempts)
      const result = await attempt.result
      this.stopWaiting(attempt)

      if (result.kind === 'response') {
        this.streamResponse(req, res, attempt, result.response, requestId, log)
        return
      }
      if (result.kind === 'client-gone') {
        balancer.recordFinish(upstream.id, { latencyMs: performance.now() - attempt.startedAt, failed: false, retried: false, clientAborted: true })
        return
      }

      const failure = result.failure
      if (!failure.connected && failure.code !== bodyTooLargeCode && failure.code !== lbFailureCodes.badRequest) {
        const transition = balancer.recordConnectFailure(upstream.id)
        if (transition !== undefined) this.deps.onTransition(transition)
      }
      const decision = retryPolicy.decide({
        method,
        errorCode: failure.code,
        requestSent: failure.requestSent,
        responseStarted: false,
        bytesSentToClient: res.headersSent ? 1 : 0,
        requestBodyBuffered: body.kind === 'buffered',
        attempt: summary.attempts
      })
      const next = decision.retry ? balancer.pick(tried) : undefined
      balancer.recordFinish(upstream.id, { latencyMs: performance.now() - attempt.startedAt, failed: true, retried: next !== undefined })
      log.warn({
        upstream: upstream.name,
        code: failure.code,
        error: failure.message,
        attempt: summary.attempts,
        retry: decision.reason,
        next: next?.name
      }, 'upstream attempt failed')
      if (next !== undefined) {
        metrics.retries.inc({ upstream: upstream.name, reason: decision.reason })
        this.totals.retries += 1
      }
      last = { upstream, failure }
      upstream = next
    }
    if (res.destroyed) return
    // Nothing in rotation, or every upstream tried refused the connection and
    // is now ejected: to the client that is "no healthy backend", not a 502.
    if (last === undefined || (!last.failure.connected && balancer.availableCount() === 0)) {
      summary.upstream = 'none'
      this.totals.noHealthyBackend += 1
      this.answerError(req, res, new errors.STK_ERR_LB_NO_HEALTHY_BACKEND(), requestId)
      return
    }
    const error = this.errorFor(last)
    // A body cut off at the limit leaves unread bytes on the connection.
    this.answerError(req, res, error, requestId, error.statusCode === 413 ? { connection: 'close' } : undefined)
  }

  private startAttempt (
    req: IncomingMessage,
    res: ServerResponse,
    upstream: Upstream,
    body: Exclude<RequestBody, { kind: 'too-large' | 'client-gone' }>,
    method: string,
    number: number
  ): ProxyAttempt {
    const attempt = new ProxyAttempt(upstream, {
      method,
      bodyBuffered: body.kind === 'buffered',
      number,
      connectTimeoutMs: this.deps.options.connectTimeoutMs
    })
    this.current.set(req, attempt)
    let waiting = this.waiting.get(upstream.id)
    if (waiting === undefined) this.waiting.set(upstream.id, waiting = new Set())
    waiting.add(attempt)
    this.deps.balancer.recordStart(upstream.id)

    let source: BodySource
    if (body.kind === 'buffered') {
      source = replay(body.bytes)
    } else {
      source = body.stream
      body.stream.once('error', (error: NodeJS.ErrnoException) => attempt.abort(error.code ?? bodyTooLargeCode, error.message))
    }
    try {
      // `buffer` is what http-proxy pipes into the upstream request instead of
      // `req`; it only calls its pipe(). A parsed target spares http-proxy a
      // url.parse per request.
      const target = this.targetOf(upstream)
      this.proxy.web(req, res, { target, buffer: source as Stream }, (error) => this.guard(() => attempt.onProxyError(error)))
    } catch (error) {
      // http.request throws synchronously on a header it refuses to send;
      // unguarded, that kills the process (node-http-proxy#1679).
      attempt.fail(lbFailureCodes.badRequest, error instanceof Error ? error.message : String(error))
    }
    return attempt
  }

  private streamResponse (
    req: IncomingMessage,
    res: ServerResponse,
    attempt: ProxyAttempt,
    response: IncomingMessage,
    requestId: string,
    log: Logger
  ): void {
    const { balancer, metrics } = this.deps
    const upstream = attempt.upstream
    const dropped = writeUpstreamHead(res, response, { requestId, close: this.closing })
    if (dropped === undefined) {
      response.destroy()
      balancer.recordFinish(upstream.id, { latencyMs: performance.now() - attempt.startedAt, failed: true, retried: false })
      this.answerError(req, res, new errors.STK_ERR_LB_BAD_GATEWAY(upstream.name, `invalid status ${String(response.statusCode)}`), requestId)
      return
    }
    if (dropped.length > 0) log.warn({ upstream: upstream.name, dropped }, 'dropped response headers that Node refuses to send')

    relayResponseBody(response, res, (outcome) => {
      const latencyMs = performance.now() - attempt.startedAt
      const failed = outcome.kind === 'upstream-broke'
      const clientAborted = outcome.kind === 'client-gone'
      balancer.recordFinish(upstream.id, { latencyMs, statusCode: response.statusCode, failed, retried: false, clientAborted })
      if (outcome.kind === 'finished') metrics.upstreamDuration.observe({ upstream: upstream.name }, latencyMs / 1000)
      else if (failed) log.warn({ upstream: upstream.name, err: outcome.error }, 'upstream response broke after it started; the client connection was cut')
    })
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

  private stopWaiting (attempt: ProxyAttempt): void {
    const waiting = this.waiting.get(attempt.upstream.id)
    waiting?.delete(attempt)
    if (waiting?.size === 0) this.waiting.delete(attempt.upstream.id)
  }

  private errorFor ({ upstream, failure }: LastFailure): LbError {
    switch (failure.code) {
      case bodyTooLargeCode:
        return new errors.STK_ERR_LB_PAYLOAD_TOO_LARGE(this.deps.options.maxBodyBytes)
      case lbFailureCodes.badRequest:
        return new errors.STK_ERR_LB_BAD_REQUEST(failure.message)
      case attemptFailureCodes.upstreamTimeout:
        return new errors.STK_ERR_LB_UPSTREAM_TIMEOUT(upstream.name, this.deps.options.proxyTimeoutMs)
      case attemptFailureCodes.connectTimeout:
        return new errors.STK_ERR_LB_UPSTREAM_TIMEOUT(upstream.name, this.deps.options.connectTimeoutMs)
      default:
        return new errors.STK_ERR_LB_BAD_GATEWAY(upstream.name, failure.code)
    }
  }

  private answerError (req: IncomingMessage, res: ServerResponse, error: LbError, requestId: string, headers?: Record<string, string>): void {
    this.totals.lbErrors += 1
    sendError(req, res, error, requestId, headers)
  }

  private guard (fn: () => void): void {
    try {
      fn()
    } catch (error) {
      this.deps.logger.error({ err: error }, 'proxy event handler failed')
    }
  }
}
