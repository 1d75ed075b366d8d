// When a session expires, as a pure policy: no memcached, no clock of its own
// (every function takes `now`), so each rule is tested on its own.
//
// The cookie decides, the way both express-session and @fastify/session mean it:
// - `cookie.expires` is the session's end. Both frameworks set it to
//   now + maxAge on every request that rolls the session, and leave it alone
//   when it was given without a maxAge (a fixed end).
// - A cookie with neither (a browser-session cookie) lives `idleTimeoutMs`
//   past its last save or touch.
//
// A rolling session is saved (or touched) on every request, and writing
// memcached that often costs. So an unchanged save writes only when the
// stored expiry would otherwise fall behind: the store keeps every rolling
// session alive `extendEvery` beyond the expiry it was asked for, and skips
// saves whose expiry still lies inside that margin. An active user is then
// never logged out while each request comes within maxAge of the last one,
// whatever maxAge is, and a session outlives its cookie by at most
// `extendEvery` (a tenth of its maxAge, at most `touchAfterMs`).

export interface ExpiryCookie {
  readonly originalMaxAge?: unknown
  readonly expires?: unknown
}

export interface ExpirySettings {
  /** Lifetime of a session whose cookie has neither maxAge nor expires. */
  readonly idleTimeoutMs: number
  /** Hard lifetime counted from creation. */
  readonly absoluteTimeoutMs: number
  /** Longest interval between two writes that only extend a rolling session. */
  readonly touchAfterMs: number
}

/** A rolling session is extended at most every maxAge / EXTEND_FRACTION. */
export const EXTEND_FRACTION = 10

/** The cookie's maxAge in ms, when it has a positive one. */
export function maxAgeOf (cookie: ExpiryCookie | undefined): number | undefined {
  const maxAge = cookie?.originalMaxAge
  return typeof maxAge === 'number' && Number.isFinite(maxAge) && maxAge > 0 ? maxAge : undefined
}

/** The cookie's `expires` in ms since the epoch, when it holds a valid date. */
export function expiresOf (cookie: ExpiryCookie | undefined): number | undefined {
  const raw = cookie?.expires
  if (raw === null || raw === undefined || raw === '') return undefined
  const ms = raw instanceof Date ? raw.getTime() : typeof raw === 'string' || typeof raw === 'number' ? new Date(raw).getTime() : Number.NaN
  return Number.isFinite(ms) ? ms : undefined
}

/** True when the session's end moves with activity (maxAge, or no expiry at all); false for a fixed `expires`. */
export function isRolling (cookie: ExpiryCookie | undefined): boolean {
  return maxAgeOf(cookie) !== undefined || expiresOf(cookie) === undefined
}

/** The end the framework asks for with this save: `expires`, else now + maxAge, else now + the idle timeout. */
export function requestedExpiry (cookie: ExpiryCookie | undefined, now: number, settings: ExpirySettings): number {
  const expires = expiresOf(cookie)
  if (expires !== undefined) return expires
  return now + (maxAgeOf(cookie) ?? settings.idleTimeoutMs)
}

/** How long an unchanged rolling session may go without a write: a tenth of its lifetime, at most touchAfterMs; 0 for a fixed end. */
export function extendEvery (cookie: ExpiryCookie | undefined, settings: ExpirySettings): number {
  if (!isRolling(cookie)) return 0
  const lifetime = maxAgeOf(cookie) ?? settings.idleTimeoutMs
  return Math.max(0, Math.min(settings.touchAfterMs, Math.floor(lifetime / EXTEND_FRACTION)))
}

/**
 * The end the store records for a save: what the cookie asks, plus the
 * margin that lets unchanged saves be skipped for a while (rolling sessions
 * only), never past the absolute lifetime. An end already past stays past:
 * such a session is a miss from the start.
 */
export function storedExpiry (cookie: ExpiryCookie | undefined, created: number, now: number, settings: ExpirySettings): number {
  return planWrite(cookie, undefined, created, now, settings).endsAt
}

/** What an item recorded: the cookie's expiry as written, the end with its margin, and the maxAge it was written with. */
export interface RecordedExpiry {
  readonly expires: number | undefined
  readonly endsAt: number | undefined
  readonly maxAge: unknown
}

/**
 * A write's two numbers: `expires`, the cookie's expiry as stored and
 * reported, and `endsAt`, the end the item is kept to (`expires` plus the margin
 * of a rolling session).
 *
 * A save that hands back an expiry no later than the recorded one (the one a
 * read reported) is recorded one ms after it: every write records a distinct
 * expiry, so the expiry a read reports names the revision that read saw.
 */
export function planWrite (cookie: ExpiryCookie | undefined, previous: RecordedExpiry | undefined, created: number, now: number, settings: ExpirySettings): { expires: number, endsAt: number } {
  const requested = requestedExpiry(cookie, now, settings)
  const cap = created + settings.absoluteTimeoutMs
  if (requested <= now) return { expires: Math.min(requested, cap), endsAt: Math.min(requested, cap) }
  let expires = requested
  if (previous?.expires !== undefined && previous.maxAge === cookie?.originalMaxAge && requested <= previous.expires) expires = previous.expires + 1
  const endsAt = expires + (isRolling(cookie) ? extendEvery(cookie, settings) : 0)
  return { expires: Math.min(expires, cap), endsAt: Math.min(endsAt, cap) }
}

/**
 * The expiry a read reports: the one written, or a later one a skipped save
 * on this node asked for (`pending`). One that has passed while the session
 * still lives in its margin (saves elsewhere were skipped) is reported as the
 * end of the margin, so no framework logs out a live session.
 */
export function reportedExpiry (written: number | undefined, pending: number | undefined, endsAt: number | undefined, now: number): number | undefined {
  const base = written === undefined ? pending : pending === undefined ? written : Math.max(written, pending)
  if (base === undefined) return endsAt
  if (endsAt !== undefined && base <= now && now < endsAt) return endsAt
  return base
}

/** Writes the expiry a read reports (reportedExpiry) into the cookie, when the cookie records one at all. */
export function reportExpiry (cookie: Record<string, unknown>, endsAt: number | undefined, pending: number | undefined, now: number): void {
  const written = expiresOf(cookie)
  const reported = reportedExpiry(written, pending, endsAt, now)
  if (reported !== undefined && written !== undefined) cookie.expires = new Date(reported).toISOString()
}

/**
 * An unchanged save need not be written while the end it asks for is still
 * covered by the recorded one. A recorded end that is unknown (a value written
 * by an older version) always takes the write.
 */
export function saveIsDue (cookie: ExpiryCookie | undefined, recordedExpiry: number | undefined, now: number, settings: ExpirySettings): boolean {
  if (recordedExpiry === undefined) return true
  return requestedExpiry(cookie, now, settings) > recordedExpiry
}

/** True once a recorded end has passed: the session is a miss. */
export function hasExpired (recordedExpiry: number | undefined, now: number): boolean {
  return recordedExpiry !== undefined && now >= recordedExpiry
}

/** Seconds for memcached's exptime: until the recorded end, plus one for memcached's whole-second clock; at least 1. */
export function ttlSeconds (recordedExpiry: number, now: number, maxRelativeS: number): number {
  return Math.max(1, Math.min(Math.ceil((recordedExpiry - now) / 1000) + 1, maxRelativeS))
}
