import { validateHeaderName, validateHeaderValue, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import { endToEndResponseHeaders } from './forwarded-headers.js'

/**
 * Copies the upstream's status and headers to the client response. A header
 * Node refuses to send is dropped instead of thrown: in http-proxy's own
 * web-outgoing pass that throw escapes from a socket callback and kills the
 * process (http-party/node-http-proxy#964, #1394). The status message is not
 * copied for the same reason; Node writes the standard one.
 * Returns the names of dropped headers, or `undefined` when even the status
 * line was refused (the caller answers 502 instead).
 */
export function writeUpstreamHead (
  res: ServerResponse,
  upstream: IncomingMessage,
  extra: OutgoingHttpHeaders
): string[] | undefined {
  const dropped: string[] = []
  const headers: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries({ ...endToEndResponseHeaders(upstream.headers), ...extra })) {
    if (value === undefined) continue
    try {
      validateHeaderName(name)
      for (const item of Array.isArray(value) ? value : [String(value)]) validateHeaderValue(name, item)
      headers[name] = value
    } catch {
      dropped.push(name)
    }
  }
  try {
    res.writeHead(upstream.statusCode ?? 502, headers)
    return dropped
  } catch {
    return undefined
  }
}
