import type { IncomingMessage } from 'node:http'
import { attemptFailureCodes } from '@stickless/balancer'
import { errorCodes } from '../config/errors.js'
import { bodyTooLargeCode } from './body/request-body.js'
import type { Exchange } from './exchange.js'
import type { LbAnswers } from './lb-answers.js'
import type { AttemptFailure } from './proxy-attempt.js'

/** How the client's body broke an attempt. */
export type ClientFault = 'too large' | 'too slow'

/** Whether a failed attempt is the client's body's doing rather than the upstream's. */
export function clientFault (req: IncomingMessage, failure: AttemptFailure): ClientFault | undefined {
  if (failure.code === bodyTooLargeCode) return 'too large'
  // A streamed body that stopped arriving leaves the upstream connection
  // idle until the proxy timeout: the client was slow, not the upstream,
  // unless the upstream had stopped reading it.
  if (failure.code === attemptFailureCodes.upstreamTimeout && !req.complete && !failure.uploadBlocked) return 'too slow'
  return undefined
}

/**
 * Answers a request whose body broke its attempt: a body over the limit gets
 * the 413, one that stopped arriving the 408 with `Connection: close`. The
 * caller counts the attempt as the client's (not the upstream's health, not
 * its errors) and retries nothing: another upstream would meet the same body.
 */
export function answerClientFault (exchange: Exchange, fault: ClientFault, answers: LbAnswers, proxyTimeoutMs: number): void {
  if (fault === 'too large') {
    answers.refuseBody(exchange)
    return
  }
  // What is still to come of the body may never come: not worth waiting for.
  exchange.req.unpipe()
  answers.error(exchange, new errorCodes.STK_ERR_LB_BODY_TIMEOUT(proxyTimeoutMs), { connection: 'close' })
}
