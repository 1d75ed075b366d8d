// The write path's rule: no write ever replaces a newer revision on any
// replica. Pure decisions about revisions, tested without sockets.
//
// Why: the first replica's `cas` orders writers only among nodes that reach
// it. In an asymmetric partition one node cannot reach that server and writes
// past it, to the second replica alone, while the others still order their
// writes on the first. A plain `set` on the second replica would replace the
// cut-off node's acknowledged revision with one that never saw it, losing
// cart items the user was told were saved. So every replica's write is a
// `cas` on the copy this write read there, and a copy it did not build on is
// merged in, never overwritten. Each replica's history is then a chain in which every
// revision includes the one it replaced, so a revision a replica acknowledged
// stays in every later one there.
import { decodeJson, encodeJson } from '../record/codec.js'
import { expiresOf } from './expiry.js'
import { fnv1a } from './replica-set.js'
import { joinSessions, mergeSessions } from './merge.js'
import type { Decoded } from '../record/record-codec.js'
import { isNewer, LINEAGE_KEPT, type SessionRecord } from '../record/session-record.js'

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

/** A decoded item as the write plan compares revisions. */
export function revisionOf (decoded: Decoded): Revision {
  return { record: decoded.record, dataText: decoded.record.destroyed === true ? undefined : decoded.dataText }
}

/** A merge's id ends with this: a merge adds nothing of its own, so a copy that includes its parents includes it. */
const MERGE_MARK = '+'

/** A fresh revision id: six base-36 characters from the store's uniform draws, marked when the revision only merges. */
export function revisionId (random: () => number, kind: 'write' | 'merge' = 'write'): string {
  const id = Math.floor(random() * 36 ** 6).toString(36).padStart(6, '0')
  return kind === 'merge' ? `${id}${MERGE_MARK}` : id
}

/**
 * A join's id: a merge's, so a copy includes the join once it includes both
 * siblings, and never because it is one of them (without an id of its own the
 * join's lineage would end with a sibling's, and that sibling would seem to
 * include it). The same two siblings give the same id on every node: their
 * joins are one revision.
 */
function joinId (a: SessionRecord, b: SessionRecord): string {
  const sides = [a, b].map((r) => r.lineage?.at(-1) ?? `v${r.version}@${r.writtenAt}`).sort().join(' ')
  // placement's 32-bit hash: spread enough that two joins of one session's lineage differ
  return `${fnv1a(sides).toString(36).padStart(6, '0').slice(-6)}${MERGE_MARK}`
}

/**
 * The lineage of a revision that includes each of `parents` whole, with its
 * own id last. It names writes only: a merge adds nothing of its own, so its
 * id stands last in its own lineage and is not handed on (a copy includes a
 * merge once it includes the merge's heads, see includes). Handed on, merge
 * ids filled the LINEAGE_KEPT window: after a burst of merges of merges a
 * revision no longer showed that it included a recent write, a later merge
 * took an older common base, and that write's cart item was applied twice
 * (a schedule in sim/regressions.json). The newest writes of both parents
 * are kept, an id's age being how many writes came after it.
 */
export function lineageOf (parents: ReadonlyArray<SessionRecord | undefined>, id?: string): string[] {
  const room = id === undefined ? LINEAGE_KEPT : LINEAGE_KEPT - 1
  // How many writes came after each id, by the parent that saw most of them:
  // a common ancestor is as old as the longer line makes it.
  const age = new Map<string, number>()
  for (const p of parents) {
    const writes = (p?.lineage ?? []).filter((x) => !isMergeId(x))
    writes.forEach((x, i) => { age.set(x, Math.max(age.get(x) ?? 0, writes.length - 1 - i)) })
  }
  const ids = [...age.keys()].sort((x, y) => (age.get(x) ?? 0) - (age.get(y) ?? 0)).slice(0, room).reverse()
  if (id !== undefined) ids.push(id)
  return ids
}

function isMergeId (id: string): boolean {
  return id.endsWith(MERGE_MARK)
}

/** The newest write of each line of writes a revision holds: itself for a write, its heads for a merge; undefined when unknown (no lineage, or a merge stored without heads). */
function headsOf (record: SessionRecord): readonly string[] | undefined {
  const own = record.lineage?.at(-1)
  if (own === undefined) return undefined
  return isMergeId(own) ? record.heads : [own]
}

/**
 * The heads of a merge of `a` and `b`: each side's heads that the other side
 * does not hold in its lineage (a write both hold is behind the other's
 * newer writes, unless it is a head of both). Undefined when a side's heads
 * are unknown or more than a merge's lineage has room for: includes then falls
 * back to the merge's lineage.
 */
function mergedHeads (a: SessionRecord, b: SessionRecord): string[] | undefined {
  const ha = headsOf(a)
  const hb = headsOf(b)
  if (ha === undefined || hb === undefined) return undefined
  const heads: string[] = []
  for (const [mine, theirs, other] of [[ha, hb, b], [hb, ha, a]] as const) {
    for (const h of mine) if (!heads.includes(h) && (theirs.includes(h) || other.lineage?.includes(h) !== true)) heads.push(h)
  }
  return heads.length < LINEAGE_KEPT ? heads : undefined
}

/** Gives a merge of `a` and `b` their merged heads, never the heads a parent's fields spread into it. */
function setMergedHeads (record: SessionRecord, a: SessionRecord, b: SessionRecord): void {
  delete record.heads
  const heads = mergedHeads(a, b)
  if (heads !== undefined) record.heads = heads
}

/**
 * True when revision `a` includes `b`: b is a, or a was built on it or
 * merged it, directly or further back. Copies written without a lineage are
 * ordered by version, and so is a copy older than a's whole kept lineage.
 */
export function includes (a: Revision, b: Revision): boolean {
  if (sameRevision(a, b)) return true
  const theirs = b.record.lineage
  const own = theirs?.at(-1)
  const kept = a.record.lineage
  if (theirs === undefined || own === undefined || kept === undefined) return !isNewer(b.record, a.record)
  if (kept.includes(own) || b.record.version + LINEAGE_KEPT <= a.record.version) return true
  if (!isMergeId(own)) return false
  // A merge adds nothing of its own: a copy that holds its heads (the newest
  // write of each line it joined) includes it. So two nodes that each merged
  // the other's sibling made two merges of one content, either including the
  // other; merging them again against a base that lacks one of the siblings
  // would add its items twice. A merge stored without heads is judged by the
  // ids its lineage kept.
  const heads = b.record.heads
  return (heads ?? theirs.slice(0, -1)).every((id) => kept.includes(id))
}

/**
 * The revision a write builds on: the newest copy read, with every copy it
 * does not include joined in. Two copies that do not include each other are
 * siblings: writers ordered on different first replicas (nodes on the old
 * and the new list while the pool changes, a node cut from the first
 * replica) each built on the same copy. Taking the newer alone and storing it
 * over the other, as a version order would, loses the other's acknowledged
 * changes (a pool-change schedule in sim/regressions.json shows it).
 */
export function basisOf (copies: ReadonlyArray<Revision | undefined>): Revision | undefined {
  // replicas in step: the one revision they all hold
  const [first] = copies
  if (first !== undefined && copies.every((c) => c === first)) return first
  const present = copies.filter((c): c is Revision => c !== undefined).sort((x, y) => isNewer(y.record, x.record) ? 1 : isNewer(x.record, y.record) ? -1 : 0)
  let basis: Revision | undefined
  for (const copy of present) {
    // a join is a merge (joinId): a copy of one of its siblings does not include it
    if (basis === undefined || includes(copy, basis)) basis = copy
    else if (!includes(basis, copy)) basis = joinSiblings(basis, copy)
  }
  return basis
}

/**
 * Two siblings as one revision, for a write to build on: their common
 * ancestor is not at hand, so arrays keep every item either holds (a
 * multiset union: no acknowledged item is lost, none is doubled) and other
 * fields take the newer side's value. A tombstone wins: a logout stays.
 */
export function joinSiblings (a: Revision, b: Revision): Revision {
  if (a.record.destroyed === true) return a
  if (b.record.destroyed === true) return b
  const [newer, older] = isNewer(b.record, a.record) ? [b, a] : [a, b]
  const data = joinSessions(dataOf(newer) ?? {}, dataOf(older) ?? {})
  const record: SessionRecord = {
    ...newer.record,
    // newer than either sibling: a save read at one of them sees that someone
    // wrote since (session-rules.ts nextRecord merges only with a newer copy),
    // and merges the other's items in instead of storing over them
    version: Math.max(a.record.version, b.record.version) + 1,
    createdAt: Math.min(a.record.createdAt, b.record.createdAt),
    writtenAt: Math.max(a.record.writtenAt, b.record.writtenAt),
    data,
    lineage: lineageOf([a.record, b.record], joinId(a.record, b.record))
  }
  setMergedHeads(record, a.record, b.record)
  if (a.record.endsAt !== undefined || b.record.endsAt !== undefined) record.endsAt = Math.max(a.record.endsAt ?? 0, b.record.endsAt ?? 0)
  return { record, dataText: encodeJson(data) }
}

/**
 * True when `a` is a later revision than `b` that includes it: storing a over
 * b loses nothing and changes something. The one test behind every copy made
 * over another (read repair, refill): never over the same revision, never
 * over a sibling.
 */
export function supersedes (a: Revision, b: Revision): boolean {
  return !sameRevision(a, b) && includes(a, b)
}

/**
 * What a copy on another replica is to the revision we are writing:
 * - `holds`: it is our revision (we, or a read-repair, stored it there);
 * - `covered`: our revision includes it, so storing ours over it loses nothing;
 * - `includes-ours`: a later revision that includes ours (another node merged
 *   ours in): it becomes ours;
 * - `diverged`: a revision ours does not include and that does not include
 *   ours: a write made elsewhere. It must be merged in.
 */
export type Relation = 'holds' | 'covered' | 'includes-ours' | 'diverged'

export function relationTo (theirs: Revision | undefined, ours: Revision): Relation {
  if (theirs === undefined) return 'covered'
  if (sameRevision(theirs, ours)) return 'holds'
  if (includes(ours, theirs)) return 'covered'
  return includes(theirs, ours) ? 'includes-ours' : 'diverged'
}

/**
 * The latest common ancestor of two revisions among `seen`: one both include
 * that includes every revision both include. Undefined when none of those at
 * hand is (a three-way merge against an older common ancestor adds the
 * items both sides gained since it twice).
 */
export function commonBase (seen: ReadonlyArray<Revision | undefined>, theirs: Revision, ours: Revision): Revision | undefined {
  const shared = (theirs.record.lineage ?? []).filter((id) => ours.record.lineage?.includes(id) === true)
  return seen.find((c): c is Revision => c !== undefined && includes(theirs, c) && includes(ours, c) &&
    (c.record.lineage === undefined ? shared.length === 0 : shared.every((id) => c.record.lineage?.includes(id) === true)))
}

/**
 * Our revision with a diverged copy merged in: a three-way merge against
 * their latest common ancestor, when a revision this write has seen is that
 * (commonBase); without it, the siblings' join. A tombstone wins over
 * everything: a logout is never undone by a merge. `id` names the merge.
 */
export function mergeDiverged (seen: ReadonlyArray<Revision | undefined>, theirs: Revision, ours: Revision, now: number, id: string): Revision {
  if (theirs.record.destroyed === true) return theirs
  if (ours.record.destroyed === true) return ours
  const base = commonBase(seen, theirs, ours)
  const d = base !== undefined ? mergeSessions(dataOf(base), dataOf(theirs) ?? {}, dataOf(ours) ?? {}) : joinSessions(dataOf(ours) ?? {}, dataOf(theirs) ?? {})
  const record: SessionRecord = {
    ...ours.record,
    version: Math.max(theirs.record.version, ours.record.version) + 1,
    createdAt: Math.min(theirs.record.createdAt, ours.record.createdAt),
    writtenAt: Math.max(now, ours.record.writtenAt, theirs.record.writtenAt),
    data: d,
    lineage: lineageOf([ours.record, theirs.record], id)
  }
  setMergedHeads(record, ours.record, theirs.record)
  const expires = laterExpiry(ours.record, theirs.record)
  if (expires !== undefined && record.cookie !== undefined) {
    // Every revision reports an expiry of its own: a read names its revision
    // by it (read-memory.ts), and a merge that kept ours' expiry would give
    // two revisions one name, so a save could build on the wrong one and
    // double a cart's items (lost-updates.test.ts checks the count).
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
export function dataOf (rev: Revision | undefined): Record<string, unknown> | undefined {
  if (rev === undefined) return undefined
  if (rev.record.data !== undefined) return rev.record.data
  return rev.dataText === undefined || rev.dataText === '' ? undefined : decodeJson(rev.dataText) as Record<string, unknown>
}
