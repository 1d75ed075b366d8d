// What a batched peek says of one session: live (with its data), ended, or
// unknown. "Unknown" is kept apart from "ended" because a caller that ends
// things on "ended" (a web node closing a session's live sockets) must not
// read an outage as a logout.
import type { LiveRecord } from '../record/session-record.js'
import type { SessionData } from '../policy/session-rules.js'

export type SessionPeek =
  | { readonly state: 'live', readonly data: SessionData }
  | { readonly state: 'ended' }
  | { readonly state: 'unknown' }

const ENDED: SessionPeek = Object.freeze({ state: 'ended' })
const UNKNOWN: SessionPeek = Object.freeze({ state: 'unknown' })

/** The peek of one read: its live record, no record (ended), or a failure (no replica answered). */
export async function peekOf (read: Promise<LiveRecord | undefined>): Promise<SessionPeek> {
  try {
    const record = await read
    return record === undefined ? ENDED : { state: 'live', data: record.data }
  } catch {
    return UNKNOWN
  }
}
