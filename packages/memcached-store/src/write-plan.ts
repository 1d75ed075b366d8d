// The write path's rule: no write ever replaces a newer revision on any
// replica. Pure decisions about revisions, tested without sockets.
//
// Why: the first replica's `cas` orders writers only among nodes that reach
// it. In an asymmetric partition one node cannot reach that server and writes
// past it, to the second replica alone, while the others still order their
// writes on the first. A plain `set` on the second replica then replaced the
// cut-off node's acknowledged revision with one that never saw it (issue 15:
// 1 to 15 cart items lost per run). So every replica's write is now a `cas`
// on the copy this write read there, and a copy it did not build on is merged
// in, never overwritten. Each replica's history is then a chain in which every
// revision includes the one it replaced, so a revision a replica acknowledged
// stays in every later one there.
import { decodeJson, encodeJson } from './codec.js'
import { expiresOf } from './expiry.js'
import { mergeSessions } from './merge.js'
import { isNewer, type SessionRecord } from './session-record.js'

/** A revision as the write path compares it: the header and the data's JSON text. */
export interface Revision {
  readonly record: SessionRecord
  /** The data's JSON text, as stored; undefined for a tombstone. */
  readonly dataText: string | undefined
}

/** True when two copies are the same revision (one write, copied): same version, write time and data. */
export function sameRevision (a: Revision, b: Revision): boolean {
  return a.record.version === b.record.version && a.record.writtenAt === b.record.writtenAt && a.dataText === b.dataText && a.record.destroyed === b.record.destroyed
}

/** The index of the newest revision (the one a read-modify-write builds on), or -1 when every replica lacks the key. */
export function newestIndex (copies: ReadonlyArray<Revision | undefined>): number {
  let best = -1
  for (const [i, copy] of copies.entries()) {
    if (copy === undefined) continue
    const top = best === -1 ? undefined : copies[best]
    if (top === undefined || isNewer(copy.record, top.record)) best = i
  }
  return best
}

/**
 * What a replica's copy is to the revision we are writing, given the
 * revisions it `included` (built on, merged, or stored before):
 * - `holds`: it is our revision (we, or a read-repair, stored it there);
 * - `covered`: our revision already includes it, so storing ours over it loses
 *   nothing: one of `included`, or one no newer than the newest we read (a
 *   replica that lags: a write still on its way to it, a refill copy);
 * - `diverged`: a revision we never saw and that is newer than what we built
 *   on: a node that wrote past the first replica. It must be merged in.
 */
export type Relation = 'holds' | 'covered' | 'diverged'

export function relationTo (theirs: Revision | undefined, ours: Revision, included: Included): Relation {
  if (theirs === undefined) return 'covered'
  if (sameRevision(theirs, ours)) return 'holds'
  if (included.written.some((r) => sameRevision(r, theirs)) || included.read.some((r) => sameRevision(r, theirs))) return 'covered'
  const top = included.read[newestIndex(included.read)]
  if (top !== undefined && !isNewer(theirs.record, top.record)) return 'covered'
  return 'diverged'
}

/**
 * The revisions a write's own revision includes. Only those it `read` on a
 * replica vouch for older copies: a revision this write made (`written`) is
 * as new as a concurrent one made elsewhere from the same copy, and must not
 * count it as covered by age.
 */
export interface Included {
  readonly read: Revision[]
  readonly written: Revision[]
}

/**
 * Our revision with a diverged copy merged in: a three-way merge against
 * `base`, the copy we last saw on that replica (both sides descend from it:
 * the replica's own history, and ours, which included it). A tombstone wins
 * over everything: a logout is never undone by a merge.
 */
export function mergeDiverged (base: Revision | undefined, theirs: Revision, ours: Revision, now: number): Revision {
  if (theirs.record.destroyed === true) return theirs
  if (ours.record.destroyed === true) return ours
  const d = mergeSessions(dataOf(base), dataOf(theirs) ?? {}, dataOf(ours) ?? {})
  const record: SessionRecord = {
    ...ours.record,
    version: Math.max(theirs.record.version, ours.record.version) + 1,
    createdAt: Math.min(theirs.record.createdAt, ours.record.createdAt),
    writtenAt: Math.max(now, ours.record.writtenAt, theirs.record.writtenAt),
    data: d
  }
  const expires = laterExpiry(ours.record, theirs.record)
  if (expires !== undefined && record.cookie !== undefined) {
    // Every revision reports an expiry of its own: a read names its revision
    // by it (read-memory.ts), and a merge that kept ours' expiry gave two
    // revisions one name, so a save could build on the wrong one (seen: 25
    // items in a cart of 20, about one run in 20 of lost-updates.test.ts).
    record.cookie = { ...record.cookie, expires: new Date(expires + 1).toISOString() }
    if (record.endsAt !== undefined) record.endsAt = Math.max(record.endsAt, theirs.record.endsAt ?? 0) + 1
  }
  return { record, dataText: encodeJson(d) }
}

/** The later cookie expiry of two revisions, in ms; undefined when neither records one. */
function laterExpiry (a: SessionRecord, b: SessionRecord): number | undefined {
  const both = [expiresOf(a.cookie), expiresOf(b.cookie)].filter((ms): ms is number => ms !== undefined)
  return both.length === 0 ? undefined : Math.max(...both)
}

/** A revision's data; a revision known only by its text (a read's hint) is decoded here, when a merge needs it. */
function dataOf (rev: Revision | undefined): Record<string, unknown> | undefined {
  if (rev === undefined) return undefined
  if (rev.record.data !== undefined) return rev.record.data
  return rev.dataText === undefined || rev.dataText === '' ? undefined : decodeJson(rev.dataText) as Record<string, unknown>
}
