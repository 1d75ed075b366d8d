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
  const ms = raw instanceof Date ? raw.getTime() : typeof raw === 'string' ? (isoMs(raw) ?? new Date(raw).getTime()) : typeof raw === 'number' ? new Date(raw).getTime() : Number.NaN
  return Number.isFinite(ms) ? ms : undefined
}

// A read parses the cookie's expiry and writes it back as text; `new Date`
// and toISOString cost about 0.25 and 0.5 µs each, several times per read.
// The text is toISOString's own form ("2030-01-02T03:04:05.678Z") whenever
// the store or a framework wrote it, so that form is read and written here by
// hand; any other text goes through Date as before, with the same result.

const DAY_MS = 86_400_000
/** 9999-12-31T23:59:59.999Z: past it toISOString writes a six-digit year. */
const MAX_ISO_MS = 253_402_300_799_999

function isLeap (year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
}

function daysInMonth (year: number, month: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** The decimal number in text[from, from + length), or -1 if any of it is not a digit. */
function digits (text: string, from: number, length: number): number {
  let n = 0
  for (let i = from; i < from + length; i++) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n
}

/**
 * The ms of a date written exactly as toISOString writes one from 1970 on,
 * every field in range; undefined for any other text (which may still be a
 * date: Date reads it). For such text, `new Date(text).getTime()` gives the
 * same ms and isoText(ms) gives the text back.
 */
export function isoMs (text: string): number | undefined {
  if (text.length !== 24 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46 || text.charCodeAt(23) !== 90) return undefined
  const year = digits(text, 0, 4)
  const month = digits(text, 5, 2)
  const day = digits(text, 8, 2)
  const hour = digits(text, 11, 2)
  const minute = digits(text, 14, 2)
  const second = digits(text, 17, 2)
  const ms = digits(text, 20, 3)
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) ||
    hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return undefined
  return Date.UTC(year, month - 1, day, hour, minute, second, ms)
}

function pad (n: number, width: number): string {
  const text = String(n)
  return text.length >= width ? text : '000'.slice(0, width - text.length) + text
}

/** `new Date(ms).toISOString()`, by hand for whole ms from 1970 through 9999. */
export function isoText (ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_ISO_MS) return new Date(ms).toISOString()
  const days = Math.floor(ms / DAY_MS)
  let rest = ms - days * DAY_MS
  // civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted)
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const hour = Math.floor(rest / 3_600_000)
  rest -= hour * 3_600_000
  const minute = Math.floor(rest / 60_000)
  rest -= minute * 60_000
  const second = Math.floor(rest / 1000)
  const milli = rest - second * 1000
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(milli, 3)}Z`
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
  if (reported === undefined || written === undefined) return
  // the text already says it the way toISOString would (the common case): nothing to write
  if (reported === written && typeof cookie.expires === 'string' && isoMs(cookie.expires) === written) return
  cookie.expires = isoText(reported)
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
