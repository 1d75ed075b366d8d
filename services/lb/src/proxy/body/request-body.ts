import type { IncomingMessage } from 'node:http'
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream'

/**
 * The client's body as the forwarder can use it:
 * - buffered: all of it in memory, so it can be sent again on retry;
 * - streamed: too large to hold; forwarded as it arrives, once, without retry;
 * - too-large: over the absolute limit; answered 413;
 * - client-gone: the client left before finishing it.
 */
export type RequestBody =
  | { readonly kind: 'buffered', readonly bytes: Buffer, readonly present: boolean }
  | { readonly kind: 'streamed', readonly stream: Readable }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'client-gone' }

export interface BodyLimits {
  readonly bufferLimitBytes: number
  readonly maxBodyBytes: number
}

/** The code a streamed body fails with when it grows past `maxBodyBytes`. */
export const bodyTooLargeCode = 'STK_BODY_TOO_LARGE'

const empty = Buffer.alloc(0)

export function hasBody (req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')
}

/** The body of a request without one (`hasBody` is false), without a promise or a tick. */
export function emptyBody (req: IncomingMessage): RequestBody {
  // Let the request end so Node can reuse the connection.
  req.resume()
  return req.headers['content-length'] === undefined ? absent : emptyPresent
}

const absent: RequestBody = Object.freeze({ kind: 'buffered', bytes: empty, present: false })
const emptyPresent: RequestBody = Object.freeze({ kind: 'buffered', bytes: empty, present: true })

export function readRequestBody (req: IncomingMessage, limits: BodyLimits): Promise<RequestBody> {
  if (!hasBody(req)) return Promise.resolve(emptyBody(req))
  // Node's parser has already refused a malformed Content-Length.
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length'])
  if (declared !== undefined && declared > limits.maxBodyBytes) return Promise.resolve({ kind: 'too-large' })
  if (declared !== undefined && declared > limits.bufferLimitBytes) {
    return Promise.resolve({ kind: 'streamed', stream: streamRest(req, [], 0, limits.maxBodyBytes) })
  }

  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      chunks.push(chunk)
      if (size > limits.maxBodyBytes) {
        done({ kind: 'too-large' })
      } else if (size > limits.bufferLimitBytes) {
        // Chunked and bigger than we hold: forward what we have, then the rest.
        req.pause()
        done({ kind: 'streamed', stream: streamRest(req, chunks, size, limits.maxBodyBytes) })
      }
    }
    const onEnd = (): void => done({ kind: 'buffered', bytes: Buffer.concat(chunks, size), present: true })
    const onGone = (): void => done({ kind: 'client-gone' })
    const onClose = (): void => { if (!req.complete) onGone() }
    function done (body: RequestBody): void {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onGone)
      req.off('aborted', onGone)
      req.off('close', onClose)
      resolve(body)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onGone)
    req.on('aborted', onGone)
    req.on('close', onClose)
  })
}

/** The chunks already read, then the rest of the request, failing past `maxBodyBytes`. */
function streamRest (req: IncomingMessage, head: readonly Buffer[], headSize: number, maxBodyBytes: number): Readable {
  let seen = headSize
  const limiter = new Transform({
    transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length
      if (seen > maxBodyBytes) {
        callback(Object.assign(new Error(`request body exceeds ${maxBodyBytes} bytes`), { code: bodyTooLargeCode }))
      } else {
        callback(null, chunk)
      }
    }
  })
  for (const chunk of head) limiter.push(chunk)
  req.pipe(limiter)
  return limiter
}

/**
 * What http-proxy's `buffer` option needs of a body: it only calls
 * `buffer.pipe(proxyReq)`. A buffered body is written with one `end()`, so
 * Node sends it with the request head; a Readable per attempt would cost a
 * stream, its listeners and a tick for nothing.
 */
export interface BodySource {
  pipe: (destination: Writable) => void
}

const emptySource: BodySource = Object.freeze({ pipe: (destination: Writable) => { destination.end() } })

/** A source over a buffered body; it may be piped once per attempt. */
export function replay (bytes: Buffer): BodySource {
  return bytes.length === 0 ? emptySource : { pipe: (destination) => { destination.end(bytes) } }
}
