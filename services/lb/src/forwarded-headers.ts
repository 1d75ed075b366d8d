import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http'

export type ForwardedProto = 'http' | 'https'

// Hop-by-hop headers (RFC 9110 7.6.1) describe one connection, not the
// message; the LB holds its own connections to the nodes. Transfer-Encoding
// is handled with the body, since it frames the bytes we forward.
const hopByHop = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']

// Headers a client could use to pose as someone else to the nodes. The LB is
// the only source of truth for where a request came from (contract).
const spoofable = ['forwarded', 'x-forwarded-port', 'x-forwarded-prefix', 'x-real-ip']

const framing = ['host', 'content-length', 'transfer-encoding']

// A client's own request id is kept so a trace can span systems, but only a
// short printable one: it goes into every log line.
const acceptableRequestId = /^[\x21-\x7e]{1,200}$/

/** The request id to use: the client's when it is acceptable, else a new UUID. */
export function requestIdOf (headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id']
  return typeof given === 'string' && acceptableRequestId.test(given) ? given : randomUUID()
}

/** `::ffff:10.0.0.1` is how a dual-stack socket shows an IPv4 client; the nodes should see 10.0.0.1. */
export function clientAddressOf (req: IncomingMessage): string | undefined {
  const address = req.socket.remoteAddress
  return address?.startsWith('::ffff:') === true && address.includes('.') ? address.slice(7) : address
}

/**
 * Rewrites the request headers in place for forwarding (http-proxy copies
 * `req.headers` into the upstream request): drops hop-by-hop and spoofable
 * headers and sets X-Forwarded-For/-Proto/-Host and x-request-id,
 * overwriting whatever the client sent.
 */
export function setForwardedHeaders (req: IncomingMessage, proto: ForwardedProto, requestId: string): void {
  const headers = req.headers
  const connection = headers.connection
  const listed = typeof connection === 'string' ? connection.toLowerCase().split(',').map((token) => token.trim()) : []
  for (const name of [...hopByHop, ...listed, ...spoofable]) {
    // `Connection: host` must not strip what frames or routes the message.
    if (name !== '' && !framing.includes(name)) delete headers[name]
  }
  // Node has already answered `100 Continue` to the client; the body is ours to send.
  delete headers.expect

  const clientAddress = clientAddressOf(req)
  if (clientAddress === undefined) delete headers['x-forwarded-for']
  else headers['x-forwarded-for'] = clientAddress
  headers['x-forwarded-proto'] = proto
  if (headers.host === undefined) delete headers['x-forwarded-host']
  else headers['x-forwarded-host'] = headers.host
  headers['x-request-id'] = requestId
}

/** Sets Content-Length for a body that is held in memory, so it is framed the same on every attempt. */
export function setBufferedBodyLength (req: IncomingMessage, length: number): void {
  delete req.headers['transfer-encoding']
  req.headers['content-length'] = String(length)
}

/** Response headers minus those that describe the upstream connection. */
export function endToEndResponseHeaders (headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const connection = headers.connection
  const listed = new Set(typeof connection === 'string' ? connection.toLowerCase().split(',').map((token) => token.trim()) : [])
  const result: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopByHop.includes(name) || name === 'transfer-encoding') continue
    if (listed.has(name) && !framing.includes(name)) continue
    result[name] = value
  }
  return result
}
