// Logs carry a keyed hash of the session id, never the id itself (a logged id
// is a stolen session). The key derives from the signing secret, so every
// node computes the same value and one session can be followed across nodes.
import { createHmac } from 'node:crypto'

export type SessionLogId = (sessionId: string) => string

export function createSessionLogId (secret: string): SessionLogId {
  const key = createHmac('sha256', secret).update('stickless session log id').digest()
  return function sessionLogId (sessionId: string): string {
    return createHmac('sha256', key).update(sessionId).digest('base64url').slice(0, 16)
  }
}
