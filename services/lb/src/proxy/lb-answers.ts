import type { IncomingMessage, ServerResponse } from 'node:http'
import { attemptFailureCodes, type Balancer } from '@stickless/balancer'
import type { Logger } from 'pino'
import { errorCodes, type LbError } from '../config/errors.js'
import type { ResolvedLbOptions } from '../config/options.js'
import { sendError } from '../http/error-response.js'
import { requestIdOf } from '../http/request-id.js'
import type { RequestTotals } from '../status/status-report.js'
import { canDiscard, discardRequestBody } from './body/body-discard.js'
import { exchangeOf, type Exchange, type LastFailure } from './exchange.js'
import { lbFailureCodes } from './proxy-attempt.js'

export interface LbAnswersDependencies {
  readonly options: Pick<ResolvedLbOptions, 'bodyDiscardLimitBytes' | 'maxBodyBytes' | 'proxyTimeoutMs' | 'connectTimeoutMs'>
  readonly balancer: Pick<Balancer, 'availableCount'>
  readonly totals: RequestTotals
  readonly logger: Logger
}

/**
 * The answers the LB gives itself when it does not relay an upstream's: the
 * coded errors of config/errors.ts, counted in the totals' `lbErrors`, with
 * `Connection: close` whenever the rest of the client's body is too large to
 * read and drop.
 */
export class LbAnswers {
  constructor (private readonly deps: LbAnswersDependencies) {}

  error (exchange: Exchange, error: LbError, headers?: Record<string, string>): void {
    this.deps.totals.lbErrors += 1
    // An answer before the end of a body too large to drop closes the connection, and says so.
    const { req } = exchange
    const close = !req.complete && !canDiscard(req, this.deps.options.bodyDiscardLimitBytes)
    sendError(req, exchange.res, error, exchange.requestId, close ? { ...headers, connection: 'close' } : headers)
  }

  /** No upstream (left) to try: the answer is the LB's own error. */
  withoutUpstream (exchange: Exchange): void {
    const { res, last } = exchange
    if (res.destroyed) return
    // Nothing in rotation, or every upstream tried refused the connection and
    // is ejected for it: to the client that is "no healthy backend", not a 502.
    if (last === undefined || (!last.failure.connected && this.deps.balancer.availableCount() === 0)) {
      exchange.upstreamName = 'none'
      this.deps.totals.noHealthyBackend += 1
      this.error(exchange, new errorCodes.STK_ERR_LB_NO_HEALTHY_BACKEND())
      return
    }
    this.error(exchange, this.errorFor(last))
  }

  /**
   * The body is over `maxBodyBytes`: 413, without forwarding (more of) it.
   * The rest is read and dropped so the connection stays usable; a body
   * declared larger than that is worth neither, and the answer says the
   * connection closes.
   */
  refuseBody (exchange: Exchange): void {
    const { req } = exchange
    const { maxBodyBytes, bodyDiscardLimitBytes } = this.deps.options
    exchange.attempt?.stopSending()
    if (canDiscard(req, bodyDiscardLimitBytes)) discardRequestBody(req, bodyDiscardLimitBytes)
    else req.unpipe()
    this.error(exchange, new errorCodes.STK_ERR_LB_PAYLOAD_TOO_LARGE(maxBodyBytes))
  }

  /** A bug in the LB: logged with its stack, answered 500 (or the connection cut). */
  internalFailure (req: IncomingMessage, res: ServerResponse, error: unknown): void {
    const requestId = exchangeOf(res)?.requestId ?? requestIdOf(req.headers)
    this.deps.logger.error({ reqId: requestId, err: error, url: req.url }, 'request handling failed')
    try {
      sendError(req, res, new errorCodes.STK_ERR_LB_INTERNAL(), requestId)
    } catch {
      res.destroy()
    }
  }

  private errorFor ({ upstream, failure }: LastFailure): LbError {
    switch (failure.code) {
      // (A body over the limit is the client's fault: refuseBody answers it.)
      case lbFailureCodes.badRequest:
        return new errorCodes.STK_ERR_LB_BAD_REQUEST(failure.message)
      case attemptFailureCodes.upstreamTimeout:
        return new errorCodes.STK_ERR_LB_UPSTREAM_TIMEOUT(upstream.name, this.deps.options.proxyTimeoutMs)
      case attemptFailureCodes.connectTimeout:
        return new errorCodes.STK_ERR_LB_UPSTREAM_TIMEOUT(upstream.name, this.deps.options.connectTimeoutMs)
      default:
        return new errorCodes.STK_ERR_LB_BAD_GATEWAY(upstream.name, failure.code)
    }
  }
}
