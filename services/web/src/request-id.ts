// Request ids: the LB's x-request-id when it looks like one, else our own, so
// every log line of a request can be matched with the LB's.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function requestIdFrom (req: IncomingMessage): string {
  const header = req.headers['x-request-id']
  // A client-chosen id that is too long or carries odd characters would
  // pollute logs; such a request gets an id of our own.
  if (typeof header === 'string' && REQUEST_ID.test(header)) return header
  return randomUUID()
}
