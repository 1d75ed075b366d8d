// Request ids: the LB's x-request-id when it looks like one, else our own, so
// every log line of a request can be matched with the LB's.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

// Our own ids are UUID-shaped: a random prefix drawn once per 2^48 ids, then
// a counter in the last group. An id names a request in the logs; it is no
// secret and needs no fresh randomness per request. randomUUID() per request
// built about 600 bytes of strings each time, in a profile of signed-in reads
// the largest allocation of the node's own code.
const COUNTER_LIMIT = 2 ** 48
let prefix = ''
let counter = COUNTER_LIMIT

function ownRequestId (): string {
  if (counter >= COUNTER_LIMIT) {
    // "xxxxxxxx-xxxx-4xxx-yxxx-": all of a v4 UUID but its last 12 digits
    prefix = randomUUID().slice(0, 24)
    counter = 0
  }
  return prefix + (counter++).toString(16).padStart(12, '0')
}

export function requestIdFrom (req: IncomingMessage): string {
  const header = req.headers['x-request-id']
  // A client-chosen id that is too long or carries odd characters would
  // pollute logs; such a request gets an id of our own.
  if (typeof header === 'string' && REQUEST_ID.test(header)) return header
  return ownRequestId()
}
