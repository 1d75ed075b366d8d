import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Readable } from 'node:stream'
import type { Upstream } from '@stickless/balancer'
import type { BodySource } from './body/request-body.js'
import type { AttemptFailure, ProxyAttempt } from './proxy-attempt.js'

/** The last failed attempt of a request: what the LB's answer says when no other upstream is tried. */
export interface LastFailure {
  readonly upstream: Upstream
  readonly failure: AttemptFailure
}

/** One client request as it goes through its attempts. */
export interface Exchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly requestId: string
  readonly method: string
  readonly startedAt: number
  /** The upstream that answered or failed last; 'none' while none was tried. */
  upstreamName: string
  attempts: number
  bodyBuffered: boolean
  /** What http-proxy pipes into each upstream request. */
  source: BodySource | Readable | undefined
  /** Upstreams that failed this request, once one has. */
  tried: Set<string> | undefined
  /** The latest attempt, settled or not. */
  attempt: ProxyAttempt | undefined
  last: LastFailure | undefined
}

// The exchange rides on its response: http-proxy's events and the response's
// own listeners find it there, so those listeners are shared functions rather
// than closures per request, and no WeakMap lookup is needed.
const exchangeKey = Symbol('stickless.exchange')
type ExchangeCarrier = ServerResponse & { [exchangeKey]?: Exchange }

/** Starts the exchange of a client request and puts it on its response. */
export function startExchange (req: IncomingMessage, res: ServerResponse, requestId: string): Exchange {
  const exchange: Exchange = {
    req,
    res,
    requestId,
    method: req.method ?? 'GET',
    startedAt: performance.now(),
    upstreamName: 'none',
    attempts: 0,
    bodyBuffered: true,
    source: undefined,
    tried: undefined,
    attempt: undefined,
    last: undefined
  }
  ;(res as ExchangeCarrier)[exchangeKey] = exchange
  return exchange
}

export function exchangeOf (res: ServerResponse): Exchange | undefined {
  return (res as ExchangeCarrier)[exchangeKey]
}

/** The client closed its connection or aborted its upload. */
export function clientLeft ({ req, res }: Exchange): boolean {
  return res.destroyed || (req.destroyed && !req.complete)
}
