// What this node remembers between a request's read of a session and its
// write: the revision read (for the cas hint and the merge base), the expiry
// a read reported (to find the revision again), and the later expiry a
// skipped save asked for. Bounded maps: memory never grows with traffic.
import { BoundedMap } from '../policy/bounded-map.js'
import { expiresOf, reportExpiry } from '../policy/expiry.js'
import { REVISION } from '../framework/express-session-api.js'
import type { KnownRead, SessionData } from '../policy/session-rules.js'
import type { LiveRecord } from '../record/session-record.js'

const BASES_KEPT = 10_000
const TOKENS_KEPT = 10_000
const PENDING_KEPT = 100_000

export class ReadMemory {
  private readonly bases = new BoundedMap<string, KnownRead>(BASES_KEPT)
  /**
   * `${id}@${expires ms}` → revision: the expiry a read reported names the
   * read. @fastify/session copies only enumerable fields of what `get` gave
   * it, so the revision symbol is lost there; but it hands the expiry back on
   * save (as cookie.originalExpires), and the revision is found by it.
   */
  private readonly revisionTokens = new BoundedMap<string, string>(TOKENS_KEPT)
  /**
   * key → the latest cookie expiry a skipped save asked for, and the revision
   * it was asked for: reported by reads of that revision here (see expiry.ts).
   */
  private readonly pendingExpiry = new BoundedMap<string, { version: number, at: number }>(PENDING_KEPT)

  constructor (private readonly revisionField: string) {}

  /**
   * A read of `record` (from the server `connId`, with token `cas`) became
   * the session object returned to the framework: remember the read, name
   * its revision on the object, and report the cookie's expiry as expiry.ts
   * says. Takes `record`'s data and cookie as the session's own.
   */
  sessionFromRead (sessionId: string, key: string, read: Pick<KnownRead, 'connId' | 'cas' | 'dataText' | 'raw' | 'others'>, record: LiveRecord, userField: string, now: number): SessionData {
    const revision = String(record.version)
    this.bases.set(`${sessionId}:${record.version}`, {
      connId: read.connId,
      cas: read.cas,
      version: record.version,
      createdAt: record.createdAt,
      writtenAt: record.writtenAt,
      dataText: read.dataText,
      maxAge: record.cookie?.originalMaxAge,
      user: record.data[userField],
      endsAt: record.endsAt,
      cookieExpires: expiresOf(record.cookie),
      lineage: record.lineage,
      heads: record.heads,
      raw: read.raw,
      others: read.others
    })
    // the record was decoded for this call alone, so its data becomes the session as is
    const session: SessionData = record.data
    Object.defineProperty(session, REVISION, { value: revision, enumerable: false, writable: true, configurable: true })
    const cookie = record.cookie
    if (cookie === undefined) return session
    if (record.endsAt !== undefined) {
      // the expiry the cookie asked for (or, while only the margin keeps the
      // session, the margin's end: @fastify/session logs out a session whose
      // reported expiry has passed); see expiry.ts
      const pending = this.pendingExpiry.get(key)
      reportExpiry(cookie, record.endsAt, pending?.version === record.version ? pending.at : undefined, now)
    } else {
      // written before the end was recorded: memcached's TTL is the idle timeout
      const maxAge = cookie.originalMaxAge
      if (typeof maxAge === 'number' && maxAge > 0) cookie.expires = new Date(now + maxAge).toISOString()
    }
    const reported = expiresOf(cookie)
    if (reported !== undefined) this.revisionTokens.set(`${sessionId}@${reported}`, revision)
    session.cookie = cookie
    return session
  }

  /**
   * The revision a session object was read at: the store's symbol (on the
   * object a read returned, and on express-session's Session; not on copies,
   * as it is not enumerable), the legacy string field, or the read named by
   * the expiry it reported (copies keep the cookie; @fastify/session hands it
   * back as originalExpires).
   */
  revisionOf (sessionId: string, session: object, cookie: Record<string, unknown> | undefined): string | undefined {
    const own = (session as { [REVISION]?: unknown })[REVISION]
    if (typeof own === 'string') return own
    const legacy = (session as Record<string, unknown>)[this.revisionField]
    if (typeof legacy === 'string') return legacy
    for (const field of ['originalExpires', 'expires']) {
      const ms = expiresOf({ expires: cookie?.[field] })
      const token = ms === undefined ? undefined : this.revisionTokens.get(`${sessionId}@${ms}`)
      if (token !== undefined) return token
    }
    return undefined
  }

  /** The read a save of this revision builds on, if this node still remembers it. */
  knownRead (sessionId: string, revision: string | undefined): KnownRead | undefined {
    return revision === undefined ? undefined : this.bases.get(`${sessionId}:${revision}`)
  }

  /** A save of revision `version` was skipped: the next read of that revision here reports the expiry it asked for. */
  notePendingExpiry (key: string, version: number, at: number): void {
    const pending = this.pendingExpiry.get(key)
    if (pending?.version !== version || pending.at < at) this.pendingExpiry.set(key, { version, at })
  }

  /** The revision was written: what was remembered of its read is spent. */
  written (sessionId: string, key: string, revision: string | undefined): void {
    this.pendingExpiry.delete(key)
    this.bases.delete(`${sessionId}:${revision}`)
  }

  /** Everything was cleared from memcached: no token may name a revision any more. */
  forgetTokens (): void {
    this.revisionTokens.clear()
  }
}
