import type { IncomingMessage } from 'node:http'

const discarding = Symbol('stickless.discarding')
type Discardable = IncomingMessage & { [discarding]?: true }

/** The request's declared Content-Length, or undefined for a chunked (or bodyless) one. */
export function declaredLength (req: IncomingMessage): number | undefined {
  const header = req.headers['content-length']
  // Node's parser has already refused a malformed or doubled Content-Length.
  return header === undefined || req.headers['transfer-encoding'] !== undefined ? undefined : Number(header)
}

/**
 * Whether the rest of this request's body may be read and dropped so its
 * connection can carry the next request: a declared length within the limit,
 * or a chunked body (its length is unknown until it ends; see
 * `discardRequestBody`).
 */
export function canDiscard (req: IncomingMessage, limitBytes: number): boolean {
  const declared = declaredLength(req)
  return declared === undefined || declared <= limitBytes
}

/**
 * Reads what is left of a request body and drops it, so the client's
 * keep-alive connection is usable once the answer is out: that is what nginx
 * does with a body it refuses (ngx_http_discard_request_body). Without it the
 * unread bytes block the connection, and a client that reuses it (a browser,
 * Node's fetch) fails its next request. Past `limitBytes` dropped bytes (a
 * chunked body that goes on and on) the connection is cut instead of read on.
 * Called more than once, it does the work once.
 */
export function discardRequestBody (req: IncomingMessage, limitBytes: number): void {
  const message = req as Discardable
  if (message[discarding] === true) return
  message[discarding] = true
  // Whatever was reading the body (the forwarder, a pipe to a node) stops.
  req.unpipe()
  if (req.complete) return
  let dropped = 0
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length
    if (dropped > limitBytes) req.socket.destroy()
  })
  req.resume()
}
