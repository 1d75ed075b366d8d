import type { IncomingMessage } from 'node:http'

export type ForwardedProto = 'http' | 'https'

// Hop-by-hop headers (RFC 9110 7.6.1) describe one connection, not the
// message; the LB holds its own connections to the nodes. Transfer-Encoding
// is handled with the body, since it frames the bytes we forward.
const hopByHop = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']

// Headers a client could use to pose as someone else to the nodes. The LB is
// the only source of truth for where a request came from (contract).
const spoofable = ['forwarded', 'x-forwarded-port', 'x-forwarded-prefix', 'x-real-ip']

const framing = ['host', 'content-length', 'transfer-encoding']

/** `::ffff:10.0.0.1` is how a dual-stack socket shows an IPv4 client; the nodes should see 10.0.0.1. */
export function clientAddressOf (req: IncomingMessage): string | undefined {
  const address = req.socket.remoteAddress
  return address?.startsWith('::ffff:') === true && address.includes('.') ? address.slice(7) : address
}

/** Whether a lower-case header name is hop-by-hop (Transfer-Encoding aside, which frames the body). */
export function isHopByHop (lowerName: string): boolean {
  return hopByHop.includes(lowerName)
}

const noneListed: readonly string[] = Object.freeze([])

/** The lower-case header names a `Connection` header lists; empty when there is none. */
export function listedInConnection (connection: string | undefined): readonly string[] {
  // The values nearly every message carries, answered without a split.
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return noneListed
  const listed: string[] = []
  for (const token of connection.toLowerCase().split(',')) {
    const name = token.trim()
    // `close` and `keep-alive` are the usual values and name no other header.
    if (name !== '' && name !== 'close' && name !== 'keep-alive') listed.push(name)
  }
  return listed
}

/** Whether `Connection` lists this header, so it stays on its hop; never one that frames or routes the message. */
export function isConnectionListed (lowerName: string, listed: readonly string[]): boolean {
  return listed.includes(lowerName) && !framing.includes(lowerName)
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
  if (connection !== undefined) {
    for (const name of listedInConnection(connection)) {
      // `Connection: host` must not strip what frames or routes the message.
      if (!framing.includes(name)) delete headers[name]
    }
  }
  // Deleting only what is there keeps the common header object in V8's fast mode.
  for (const name of hopByHop) if (headers[name] !== undefined) delete headers[name]
  for (const name of spoofable) if (headers[name] !== undefined) delete headers[name]
  // Node has already answered `100 Continue` to the client; the body is ours to send.
  if (headers.expect !== undefined) delete headers.expect

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

/**
 * The same rewrite for a WebSocket upgrade, which keeps the two hop-by-hop
 * headers that ask the node to upgrade this hop: `Upgrade` (as the client
 * sent it) and `Connection: upgrade`. Only the upgrade path calls this, so a
 * plain request pays nothing for it.
 */
export function setUpgradeForwardedHeaders (req: IncomingMessage, proto: ForwardedProto, requestId: string): void {
  const upgrade = req.headers.upgrade
  setForwardedHeaders(req, proto, requestId)
  req.headers.connection = 'upgrade'
  if (upgrade !== undefined) req.headers.upgrade = upgrade
}
