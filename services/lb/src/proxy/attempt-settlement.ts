import type { IncomingMessage } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { AttemptOutcome, Balancer, HealthTransition, RetryPolicy, Upstream } from '@stickless/balancer'
import type { Logger } from 'pino'
import type { ResolvedLbOptions } from '../config/options.js'
import type { EventLog } from '../status/event-log.js'
import type { LbMetrics } from '../status/metrics.js'
import type { RequestTotals } from '../status/status-report.js'
import { bodyTooLargeCode } from './body/request-body.js'
import { answerClientFault, clientFault } from './client-fault.js'
import { clientLeft, type Exchange } from './exchange.js'
import type { LbAnswers } from './lb-answers.js'
import { lbFailureCodes, type AttemptFailure, type AttemptResult, type ProxyAttempt } from './proxy-attempt.js'

export interface AttemptSettlementDependencies {
  readonly options: Pick<ResolvedLbOptions, 'proxyTimeoutMs'>
  readonly balancer: Pick<Balancer, 'recordConnectFailure' | 'pick' | 'options'>
  readonly retryPolicy: Pick<RetryPolicy, 'decide'>
  readonly metrics: Pick<LbMetrics, 'retries'>
  readonly logger: Logger
  readonly totals: RequestTotals
  readonly answers: LbAnswers
  /** Called with each state change an attempt causes (a passive ejection), and why in words. */
  readonly onTransition: (transition: HealthTransition, reason: string) => void
  /** The status page's timeline (a cluster worker's tally for it); retries are noted there. */
  readonly events: Pick<EventLog, 'retry'> | undefined
  /** One attempt ended: the balancer's counters and the history hear of it. */
  readonly recordFinish: (upstreamId: string, outcome: AttemptOutcome) => void
  /** The upstream answered: its response goes to the client. */
  readonly streamResponse: (exchange: Exchange, attempt: ProxyAttempt, response: IncomingMessage) => void
  /** The next attempt, or the LB's answer when `upstream` is undefined. */
  readonly tryUpstream: (exchange: Exchange, upstream: Upstream | undefined) => void
}

/**
 * What happens once an attempt has its result. An answer is streamed to the
 * client; a client that left ends the request; a failure the client's body
 * caused is answered without blaming the upstream (client-fault.ts); any other
 * failure counts against the upstream (a connect failure ejects it) and the
 * retry policy decides whether an upstream this request has not tried gets
 * the next attempt.
 */
export class AttemptSettlement {
  constructor (private readonly deps: AttemptSettlementDependencies) {}

  settle (exchange: Exchange, attempt: ProxyAttempt, result: AttemptResult): void {
    if (result.kind === 'response') {
      this.deps.streamResponse(exchange, attempt, result.response)
      return
    }
    const upstream = attempt.upstream
    if (result.kind === 'client-gone' || clientLeft(exchange)) {
      this.deps.recordFinish(upstream.id, { latencyMs: performance.now() - attempt.startedAt, failed: false, retried: false, clientAborted: true })
      return
    }
    const failure = result.failure
    const fault = clientFault(exchange.req, failure)
    if (fault !== undefined) {
      // The client's body broke the attempt, not the upstream: neither its
      // health nor its error figures hear of it, and nothing is retried.
      this.deps.recordFinish(upstream.id, { latencyMs: performance.now() - attempt.startedAt, failed: false, retried: false, clientAborted: true })
      this.deps.logger.debug({ reqId: exchange.requestId, upstream: upstream.name, code: failure.code }, `request body ${fault}`)
      answerClientFault(exchange, fault, this.deps.answers, this.deps.options.proxyTimeoutMs)
      return
    }
    this.settleFailure(exchange, attempt, failure)
  }

  /** The upstream failed the attempt: eject it on a connect failure, then retry elsewhere when the policy allows. */
  private settleFailure (exchange: Exchange, attempt: ProxyAttempt, failure: AttemptFailure): void {
    const { balancer, retryPolicy, metrics, logger } = this.deps
    const upstream = attempt.upstream
    if (!failure.connected && failure.code !== bodyTooLargeCode && failure.code !== lbFailureCodes.badRequest) {
      const transition = balancer.recordConnectFailure(upstream.id)
      if (transition !== undefined) this.deps.onTransition(transition, `a request could not connect (${failure.code}); out for up to ${balancer.options.ejectionTimeMs / 1000} s`)
    }
    const decision = retryPolicy.decide({
      method: exchange.method,
      errorCode: failure.code,
      requestSent: failure.requestSent,
      responseStarted: false,
      bytesSentToClient: exchange.res.headersSent ? 1 : 0,
      requestBodyBuffered: exchange.bodyBuffered,
      attempt: exchange.attempts
    })
    // A retry goes to an upstream this request has not tried; the set is
    // only needed once an attempt has failed.
    const tried = exchange.tried ??= new Set()
    tried.add(upstream.id)
    const next = decision.retry ? balancer.pick(tried) : undefined
    this.deps.recordFinish(upstream.id, { latencyMs: performance.now() - attempt.startedAt, failed: true, retried: next !== undefined })
    logger.warn({
      reqId: exchange.requestId,
      upstream: upstream.name,
      code: failure.code,
      error: failure.message,
      attempt: exchange.attempts,
      retry: decision.reason,
      next: next?.name
    }, 'upstream attempt failed')
    if (next !== undefined) {
      metrics.retries.inc({ upstream: upstream.name, reason: decision.reason })
      this.deps.totals.retries += 1
      this.deps.events?.retry(upstream, `${decision.reason} (${failure.code})`)
    }
    exchange.last = { upstream, failure }
    this.deps.tryUpstream(exchange, next)
  }
}
