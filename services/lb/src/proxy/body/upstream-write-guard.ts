import type { Socket } from 'node:net'

type WriteCallback = (error?: Error | null) => void

const guarded = Symbol('stickless.upstreamWriteGuard')
type GuardedSocket = Socket & { [guarded]?: true }

// The peer has stopped reading: it reset the connection or closed it.
const brokenPipeCodes: ReadonlySet<string> = new Set(['EPIPE', 'ECONNRESET'])

/**
 * Makes a failed write of the request body stop writing rather than end the
 * upstream request, so a response the node sent before it read the whole body
 * (a 413 over its body limit, a 401) is still read and relayed.
 *
 * Such a node answers, then closes with unread bytes in its socket, which
 * resets the connection under the LB's upload. Node's HTTP client destroys the
 * socket on the first failed write, and when that write comes before the read
 * of the answer, the answer (already in the LB's receive buffer) is lost and
 * the client would get a 502 (nodejs/node#12339, #54366; the workaround in
 * http-party/node-http-proxy#1677). With this guard the failed write is
 * reported as done and the read side decides: it yields the node's answer, or
 * ends with the reset or EOF, which fails the attempt as any broken
 * connection does (a "socket hang up" ECONNRESET). Only EPIPE and ECONNRESET on writes are affected.
 * The wrapper stays on the (pooled) socket; installing it twice is a no-op.
 */
export function readAnswerAfterFailedWrite (socket: Socket): void {
  const target = socket as GuardedSocket
  if (target[guarded] === true) return
  target[guarded] = true
  const write = target._write.bind(target)
  target._write = (chunk: unknown, encoding: BufferEncoding, callback: WriteCallback) => {
    write(chunk, encoding, keepReading(callback))
  }
  const writev = target._writev?.bind(target)
  if (writev !== undefined) {
    target._writev = (chunks: Array<{ chunk: unknown, encoding: BufferEncoding }>, callback: WriteCallback) => {
      writev(chunks, keepReading(callback))
    }
  }
}

function keepReading (callback: WriteCallback): WriteCallback {
  return (error) => {
    const code = errnoCode(error)
    callback(code !== undefined && brokenPipeCodes.has(code) ? null : error)
  }
}

function errnoCode (error: Error | null | undefined): string | undefined {
  const code: unknown = (error as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' ? code : undefined
}
