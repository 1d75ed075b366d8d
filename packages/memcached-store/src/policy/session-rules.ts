// The session rules, pure: what a save becomes, when a session has ended,
// how long memcached keeps it. Every function takes `now` from the caller
// (the store's injected clock), so each rule is tested without memcached and
// without waiting.
import { decodeJson } from '../record/codec.js'
import { expiresOf, hasExpired, maxAgeOf, planWrite, ttlSeconds, type ExpirySettings } from './expiry.js'
import { mergeSessions } from './merge.js'
import { MAX_RELATIVE_TTL_S } from '../record/session-record.js'
import { holdsSession, TOMBSTONE_VERSION, type LiveRecord, type SessionRecord } from '../record/session-record.js'

export type SessionData = Record<string, unknown>

export interface LifetimeSettings extends ExpirySettings {
  readonly idleTimeoutMs: number
  readonly absoluteTimeoutMs: number
}

/** What a read of one revision saw on this node, kept until that revision's write (see read-memory.ts). */
export interface KnownRead {
  /** the server the read came from, and its cas token there */
  readonly connId: string
  readonly cas: string
  readonly version: number
  readonly createdAt: number
  readonly writtenAt: number
  readonly dataText: string
  readonly maxAge: unknown
  readonly user: unknown
  /** the end recorded in the item (see expiry.ts); undefined in values written before it was recorded */
  readonly endsAt?: number | undefined
  /** the cookie's expiry as the item recorded it */
  readonly cookieExpires?: number | undefined
  /** the revision's lineage (write-plan.ts), so a write knows what the copy it read includes */
  readonly lineage?: string[] | undefined
  /** a merge's heads (write-plan.ts) */
  readonly heads?: string[] | undefined
  /** the item as the server held it: a copy on another replica with the same bytes is the same revision, known without decoding it */
  readonly raw?: string | undefined
  /**
   * What the other replicas held when the read asked them all at once (a
   * read told a write would follow: MemcachedStore.expectWrite). The write
   * stores over these copies with `cas` instead of reading them again.
   */
  readonly others?: readonly OtherCopy[] | undefined
}

/** One other replica's copy, as a read for a write found it: its cas token and bytes (both undefined: a miss). */
export interface OtherCopy {
  readonly connId: string
  readonly cas: string | undefined
  readonly raw: string | undefined
}

/** True when the record holds a session that has not ended at `now`: not destroyed, within its absolute lifetime and its recorded end. */
export function isLive (record: SessionRecord | undefined, now: number, settings: Pick<LifetimeSettings, 'absoluteTimeoutMs'>): record is LiveRecord {
  return holdsSession(record) && !pastAbsoluteLifetime(record, now, settings) && !hasExpired(record.endsAt, now)
}

export function pastAbsoluteLifetime (record: Pick<SessionRecord, 'createdAt'>, now: number, settings: Pick<LifetimeSettings, 'absoluteTimeoutMs'>): boolean {
  return now >= record.createdAt + settings.absoluteTimeoutMs
}

/** memcached's exptime (seconds) for a session written now. */
export function ttlFor (cookie: Record<string, unknown> | undefined, createdAt: number, now: number, settings: LifetimeSettings, endsAt?: number): number {
  // the end the cookie set (see expiry.ts), when the item records one
  if (endsAt !== undefined) return ttlSeconds(Math.min(endsAt, createdAt + settings.absoluteTimeoutMs), now, MAX_RELATIVE_TTL_S)
  const maxAge = cookie?.originalMaxAge
  const idleMs = typeof maxAge === 'number' && maxAge > 0 ? maxAge : settings.idleTimeoutMs
  const leftMs = createdAt + settings.absoluteTimeoutMs - now
  // memcached's clock ticks in whole seconds, so an exptime of N can end up to
  // a second early; one more second keeps an item at least its full idle time.
  // The absolute lifetime is checked on read, to the millisecond.
  return Math.max(1, Math.min(Math.ceil(Math.min(idleMs, leftMs) / 1000) + 1, MAX_RELATIVE_TTL_S))
}

/** The exptime a copy of `record` keeps (read-repair, refill): a tombstone its own, a session what is left of its life. */
export function remainingTtl (record: SessionRecord, now: number, settings: LifetimeSettings): number {
  return record.destroyed === true ? record.ttlS : ttlFor(record.cookie, record.createdAt, now, settings, record.endsAt)
}

/** How long a tombstone or a user index lives: the absolute lifetime, within memcached's relative limit. */
export function lifetimeTtl (settings: Pick<LifetimeSettings, 'absoluteTimeoutMs'>): number {
  return Math.min(Math.ceil(settings.absoluteTimeoutMs / 1000), MAX_RELATIVE_TTL_S)
}

/** A destroyed session: a tombstone no stale copy can outrank. */
export function tombstone (now: number, settings: Pick<LifetimeSettings, 'absoluteTimeoutMs'>): SessionRecord {
  return { version: TOMBSTONE_VERSION, createdAt: now, writtenAt: now, ttlS: lifetimeTtl(settings), destroyed: true }
}

/**
 * A framework's session object split into the data the store keeps and its
 * cookie; the revision field and functions are dropped. The cookie may still
 * carry @fastify/session's `originalExpires`, which names the read (see
 * read-memory.ts): the caller drops it once the revision is found.
 */
export function splitSession (session: object, revisionField: string): { data: SessionData, cookie: Record<string, unknown> | undefined } {
  const data: SessionData = {}
  let cookie: Record<string, unknown> | undefined
  for (const [field, value] of Object.entries(session)) {
    if (field === 'cookie') cookie = toPlainCookie(value)
    else if (field !== revisionField && value !== undefined && typeof value !== 'function') data[field] = value
  }
  return { data, cookie }
}

/** @fastify/session's Cookie has a toJSON; a plain object (from a test or another store) is taken as is. */
export function toPlainCookie (value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const json = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON: () => unknown }).toJSON() : value
  if (json === null || typeof json !== 'object') return undefined
  const plain: Record<string, unknown> = {}
  for (const [field, v] of Object.entries(json)) {
    if (v instanceof Date) plain[field] = Number.isNaN(v.getTime()) ? null : v.toISOString()
    else if (v !== undefined && (v === null || typeof v !== 'object')) plain[field] = v
  }
  return plain
}

/** A save as the rules see it: what the framework handed over, and what this node read of it. */
export interface Save {
  readonly data: SessionData
  readonly dataText: string
  readonly cookie: Record<string, unknown> | undefined
  /** the read this save builds on, when this node still remembers it */
  readonly known: KnownRead | undefined
  /** the revision the session object names (a number as text), when it names one */
  readonly revision: string | undefined
  readonly now: number
}

/** What a save does to the copy it finds: write a new record, or nothing (the session was destroyed, or has ended). */
export type SaveOutcome =
  | { readonly kind: 'write', readonly record: SessionRecord, readonly dataText: string | undefined, readonly merged: boolean }
  | { readonly kind: 'destroyed' }
  | { readonly kind: 'ended' }

/**
 * The record a save writes over `current` (the newest copy on the replicas).
 * A logout wins over a late write, and a destroyed id is not reused. A copy
 * newer than the one this save was read at means someone wrote since: the
 * two are merged against what was read, so neither change is lost.
 */
export function nextRecord (current: SessionRecord | undefined, save: Save, settings: LifetimeSettings): SaveOutcome {
  if (current?.destroyed === true) return { kind: 'destroyed' }
  const { known, cookie, now } = save
  const createdAt = current?.createdAt ?? known?.createdAt ?? now
  if (pastAbsoluteLifetime({ createdAt }, now, settings)) return { kind: 'ended' }
  const revNumber = save.revision === undefined ? 0 : Number(save.revision) || 0
  const baseVersion = known?.version ?? (save.revision === undefined ? undefined : revNumber)
  let data = save.data
  let dataText: string | undefined = save.dataText
  let merged = false
  // Merge only with a copy newer than the one this request read: someone
  // wrote since. An older copy (a replica still being refilled) is stale,
  // not a concurrent change; merging with it would take what it lacks
  // for removals and lose acknowledged writes.
  if (current?.data !== undefined && baseVersion !== undefined && current.version > baseVersion) {
    const base = known === undefined ? undefined : decodeJson(known.dataText) as SessionData
    data = mergeSessions(base, current.data, save.data)
    dataText = undefined
    merged = true
  }
  const plan = planWrite(cookie, {
    expires: latest(known?.cookieExpires, expiresOf(current?.cookie)),
    endsAt: latest(known?.endsAt, current?.endsAt),
    maxAge: known?.maxAge ?? current?.cookie?.originalMaxAge
  }, createdAt, now, settings)
  const record: SessionRecord = {
    version: Math.max(current?.version ?? 0, baseVersion ?? 0) + 1,
    createdAt,
    writtenAt: now,
    ttlS: ttlFor(cookie, createdAt, now, settings, plan.endsAt),
    data,
    endsAt: plan.endsAt
  }
  // a browser-session cookie (neither maxAge nor expires) keeps no expiry: the store's end is its own
  if (cookie !== undefined) record.cookie = maxAgeOf(cookie) === undefined && expiresOf(cookie) === undefined ? cookie : { ...cookie, expires: new Date(plan.expires).toISOString() }
  return { kind: 'write', record, dataText, merged }
}

function latest (...xs: Array<number | undefined>): number | undefined {
  const defined = xs.filter((x): x is number => typeof x === 'number')
  return defined.length === 0 ? undefined : Math.max(...defined)
}
