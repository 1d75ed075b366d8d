import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

// A client's own request id is kept so a trace can span systems, but only a
// short printable one: it goes into every log line.
const acceptableRequestId = /^[\x21-\x7e]{1,200}$/

/** The request id to use: the client's when it is acceptable, else a new UUID. */
export function requestIdOf (headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id']
  return typeof given === 'string' && acceptableRequestId.test(given) ? given : randomUUID()
}
