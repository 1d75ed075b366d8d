// What one memcached item holds, as the store's logic sees it: the session
// data plus what replication needs to tell copies apart. The wire format
// keeps short keys to save bytes in every item; record-codec.ts translates at
// the edge, and nothing else sees them.

export interface SessionRecord {
  /** Grows by one per write: the copy with the larger version is the newer one (read-repair, refill). */
  version: number
  /** ms since epoch: the absolute lifetime counts from here */
  createdAt: number
  /** ms since epoch: breaks ties between copies of one version */
  writtenAt: number
  /** idle TTL in seconds, so a touch or a copy can keep it */
  ttlS: number
  /** the session cookie's settings, as the frameworks store them */
  cookie?: Record<string, unknown>
  /** the data; absent in a tombstone */
  data?: Record<string, unknown>
  /** a tombstone: a destroyed session whose id must never come back */
  destroyed?: true
  /** the session's end, ms since epoch, as its cookie set it (see expiry.ts); a read after it is a miss */
  endsAt?: number
  /**
   * Ids of this revision (last) and of the latest revisions it includes, at
   * most LINEAGE_KEPT (write-plan.ts): whether one copy includes another. A
   * larger version does not say so once two writers are ordered on different
   * first replicas (a pool change, a partition): their revisions are siblings.
   */
  lineage?: string[]
  /**
   * A merge's heads: the newest write of each line of writes it joins. A
   * copy includes the merge once its lineage holds every head (write-plan.ts);
   * the merge's lineage alone cannot say so once older ids have left it.
   */
  heads?: string[]
}

/** Revision ids a record keeps: siblings arise within a few writes of each other, and each id costs 9 bytes in every item. */
export const LINEAGE_KEPT = 8

/** A record that holds a session (not a tombstone). */
export type LiveRecord = SessionRecord & { data: Record<string, unknown> }

// A tombstone outranks every version, so no stale copy (a replica that was
// frozen during a logout) can ever bring a destroyed session back.
export const TOMBSTONE_VERSION = Number.MAX_SAFE_INTEGER

export function isNewer (a: SessionRecord, b: SessionRecord): boolean {
  return a.version > b.version || (a.version === b.version && a.writtenAt > b.writtenAt)
}

/** True for a record that holds session data; false for a tombstone or a record without data. */
export function holdsSession (record: SessionRecord | undefined): record is LiveRecord {
  return record !== undefined && record.destroyed !== true && record.data !== undefined
}

// memcached reads an exptime over 30 days as a Unix time, so a relative TTL must stay below it.
export const MAX_RELATIVE_TTL_S = 30 * 24 * 60 * 60
