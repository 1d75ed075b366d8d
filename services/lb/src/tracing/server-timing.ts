// The LB's own Server-Timing entries, added to a node's response as it is
// relayed (always on): `lb` is the time from the client's request to the
// relayed head, one `lb-attempt` per attempt on a node, with the node's name,
// and for an attempt that failed its code (`web-1 ECONNREFUSED`). The node's
// own entries (`node`, `store-read`, `store-write`) come in its header.
import { performance } from 'node:perf_hooks'
import type { Exchange } from '../proxy/exchange.js'
import type { AttemptFailure, ProxyAttempt } from '../proxy/proxy-attempt.js'

// Attempts that failed before the one that answers; most requests have none.
const failedAttempts = new WeakMap<Exchange, string[]>()

/** An attempt failed (the LB may try another node): kept for the answer's header. */
export function noteFailedAttempt (exchange: Exchange, attempt: ProxyAttempt, failure: AttemptFailure): void {
  const entry = `lb-attempt;dur=${round(performance.now() - attempt.startedAt)};desc="${token(attempt.upstream.name)} ${token(failure.code)}"`
  const earlier = failedAttempts.get(exchange)
  if (earlier === undefined) failedAttempts.set(exchange, [entry])
  else earlier.push(entry)
}

/** The LB's Server-Timing value for the response `attempt` got. */
export function lbServerTiming (exchange: Exchange, attempt: ProxyAttempt): string {
  const now = performance.now()
  const answered = `lb-attempt;dur=${round(now - attempt.startedAt)};desc="${token(attempt.upstream.name)}"`
  const earlier = failedAttempts.get(exchange)
  return `lb;dur=${round(now - exchange.startedAt)}, ${earlier === undefined ? '' : `${earlier.join(', ')}, `}${answered}`
}

function round (ms: number): number {
  return Math.round(ms * 10) / 10
}

// Inside a quoted description: no quotes, backslashes or control characters.
function token (text: string): string {
  return text.replace(/[^\x21\x23-\x5b\x5d-\x7e]/g, '_')
}
