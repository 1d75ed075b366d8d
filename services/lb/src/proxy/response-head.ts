import { validateHeaderName, validateHeaderValue, type IncomingMessage, type ServerResponse } from 'node:http'
import { isConnectionListed, isHopByHop, listedInConnection } from './forwarded-headers.js'

/** What the LB adds to (or puts in place of) the upstream's response headers. */
export interface ResponseHeadExtras {
  readonly requestId: string
  /** Adds `Connection: close` (shutdown: clients should move to another LB). */
  readonly close: boolean
  /** The LB's own Server-Timing entries, beside the node's (tracing/server-timing.ts). */
  readonly serverTiming?: string
}

/**
 * Copies the upstream's status and headers to the client response, from
 * `rawHeaders`: names keep their case and repeated headers stay repeated,
 * and Node never builds the lower-cased `headers` object for the response.
 *
 * Node validates every header in `writeHead`, so the copy is validated once,
 * there. A header Node refuses makes `writeHead` throw before anything is
 * sent; only then is each header checked on its own and the bad ones dropped
 * instead of thrown: in http-proxy's own web-outgoing pass that throw escapes
 * from a socket callback and kills the process (http-party/node-http-proxy#964,
 * #1394). The status message is not copied for the same reason; Node writes
 * the standard one.
 * Returns the names of dropped headers, or `undefined` when even the status
 * line was refused (the caller answers 502 instead).
 */
export function writeUpstreamHead (res: ServerResponse, upstream: IncomingMessage, extras: ResponseHeadExtras): readonly string[] | undefined {
  const headers = endToEndRawHeaders(upstream.rawHeaders)
  headers.push('x-request-id', extras.requestId)
  if (extras.close) headers.push('connection', 'close')
  if (extras.serverTiming !== undefined) headers.push('server-timing', extras.serverTiming)
  const statusCode = upstream.statusCode ?? 502
  try {
    res.writeHead(statusCode, headers)
    return noneDropped
  } catch {
    return writeValidHeadersOnly(res, statusCode, headers)
  }
}

const noneDropped: readonly string[] = Object.freeze([])

/**
 * The upstream's `rawHeaders` (name, value, name, value, ...) minus hop-by-hop
 * headers, those its `Connection` header lists, Transfer-Encoding (Node frames
 * the body to the client itself) and x-request-id (the LB's own is set).
 */
export function endToEndRawHeaders (raw: readonly string[]): string[] {
  const kept: string[] = []
  let connection: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    const lower = name.toLowerCase()
    if (lower === 'connection') connection = connection === undefined ? raw[i + 1] : `${connection},${raw[i + 1] as string}`
    if (isHopByHop(lower) || lower === 'transfer-encoding' || lower === 'x-request-id') continue
    kept.push(name, raw[i + 1] as string)
  }
  const listed = listedInConnection(connection)
  if (listed.length === 0) return kept
  const result: string[] = []
  for (let i = 0; i < kept.length; i += 2) {
    if (!isConnectionListed((kept[i] as string).toLowerCase(), listed)) result.push(kept[i] as string, kept[i + 1] as string)
  }
  return result
}

function writeValidHeadersOnly (res: ServerResponse, statusCode: number, headers: readonly string[]): string[] | undefined {
  const dropped: string[] = []
  const valid: string[] = []
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string
    const value = headers[i + 1] as string
    try {
      validateHeaderName(name)
      validateHeaderValue(name, value)
      valid.push(name, value)
    } catch {
      dropped.push(name)
    }
  }
  try {
    res.writeHead(statusCode, valid)
    return dropped
  } catch {
    return undefined
  }
}
