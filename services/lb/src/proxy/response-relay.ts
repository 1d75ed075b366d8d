import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * How relaying an upstream response body ended:
 * - finished: every byte reached the client's socket;
 * - upstream-broke: the upstream stopped mid-body (reset, proxy timeout); the
 *   client connection is cut, since a status was already sent and a short
 *   answer must not look complete;
 * - client-gone: the client left first; the upstream response is destroyed,
 *   which releases (closes) its socket.
 */
export type RelayOutcome =
  | { readonly kind: 'finished' }
  | { readonly kind: 'upstream-broke', readonly error: Error }
  | { readonly kind: 'client-gone' }

/**
 * Pipes an upstream response body to the client and reports once how it
 * ended. `stream.pipeline` would do the same but costs an AbortController and
 * a DOMException per response (7% of the LB's CPU on GET /hello); `pipe`
 * plus two listeners covers what pipeline did for us: an upstream error
 * (which pipe ignores) and a client that goes away (pipe only unpipes).
 * Whichever side breaks first decides whose failure it is.
 */
export function relayResponseBody (response: IncomingMessage, res: ServerResponse, onDone: (outcome: RelayOutcome) => void): void {
  let settled = false
  // The upstream socket closing mid-body destroys the response with
  // ECONNRESET "aborted"; without a listener that error would end the process.
  response.on('error', (error) => {
    if (settled) return
    settled = true
    res.destroy()
    onDone({ kind: 'upstream-broke', error })
  })
  res.once('close', () => {
    if (!settled) {
      settled = true
      onDone(res.writableFinished ? finished : clientGone)
    }
    // Unread bytes make the upstream socket unusable for another request.
    if (!response.complete) response.destroy()
  })
  response.pipe(res)
}

const finished: RelayOutcome = Object.freeze({ kind: 'finished' })
const clientGone: RelayOutcome = Object.freeze({ kind: 'client-gone' })
