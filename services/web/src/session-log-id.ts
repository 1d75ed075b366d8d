// Logs carry a keyed hash of the session id, never the id itself (a logged id
// is a stolen session). The key derives from the signing secret, so every
// node computes the same value and one session can be followed across nodes.
import { createHmac } from 'node:crypto'
import { BoundedMap } from '@stickless/memcached-store'

export type SessionLogId = (sessionId: string) => string

/** Log ids remembered per node: one HMAC per session, not one per request. */
const REMEMBERED_LOG_IDS = 20_000

export function createSessionLogId (secret: string): SessionLogId {
  const key = createHmac('sha256', secret).update('stickless session log id').digest()
  const known = new BoundedMap<string, string>(REMEMBERED_LOG_IDS)
  return function sessionLogId (sessionId: string): string {
    let id = known.get(sessionId)
    if (id === undefined) {
      id = createHmac('sha256', key).update(sessionId).digest('base64url').slice(0, 16)
      known.set(sessionId, id)
    }
    return id
  }
}
