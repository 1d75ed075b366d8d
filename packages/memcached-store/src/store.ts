import { EventEmitter } from 'node:events'
import { BoundedMap } from './bounded-map.js'
import { ValueCipher } from './cipher.js'
import { decodeJson, encodeJson } from './codec.js'
import { RecordCodec, type Decoded } from './record-codec.js'
import { isNewer, TOMBSTONE_VERSION, type SessionRecord } from './session-record.js'
import { StoreError, storeError } from './errors.js'
import { createExpressSession, REVISION, settle, type StoreCallback } from './express-session-api.js'
import { holdCalls, KeepAlive } from './keep-alive.js'
import { expiresOf, hasExpired, maxAgeOf, planWrite, reportedExpiry, requestedExpiry, saveIsDue, ttlSeconds, type ExpirySettings } from './expiry.js'
import { KeySpace } from './keys.js'
import { mergeSessions } from './merge.js'
import { MAX_RELATIVE_TTL_S, requiredAcks, resolveOptions, type MemcachedStoreOptions, type ResolvedOptions } from './options.js'
import { refill } from './refill.js'
import { replicasFor } from './replica-set.js'
import { ServerConnection, SILENT, type CasValue } from './server-connection.js'
import { suspect, TickClock, watchIntervalMs } from './skip-watch.js'
import { mergeDiverged, newestIndex, relationTo, sameRevision, type Included, type Revision } from './write-plan.js'
import type { HealthSnapshot, ServerState } from './server-health.js'

export type SessionData = Record<string, unknown>

/** Counts since start, for metrics. Names are stable: the web service exports them. */
export interface StoreCounters {
  hits: number
  misses: number
  readRepairs: number
  failovers: number
  /** Reads that also asked the next replica because theirs had gone silent (readHedgeFraction). */
  hedgedReads: number
  replicaWriteFailures: number
  refills: number
  refilledKeys: number
  conflicts: number
  writes: number
  skippedWrites: number
  touches: number
  destroys: number
  rejectedValues: number
  serverDowns: number
  /** Items a server had no memory for; the server stays up and keeps no copy of those keys. */
  refusedItems: number
  /**
   * Commands that timed out on a server that was already silent when they
   * were sent (say, a write after its request's read passed over that server):
   * they waited only the rest of the timeout counted from when it fell silent,
   * so no request waits on a silent server longer than its timeout in total.
   */
  boundedWaits: number
}

export interface ServerHealthReport extends HealthSnapshot {
  readonly id: string
  readonly weight: number
}

/** What a read found on one replica. */
interface Found {
  conn: ServerConnection
  cas: string
  raw: string
  decoded: Decoded
}

/** What the last read of a session revision saw, kept until its write (or eviction). */
interface Known {
  connId: string
  cas: string
  v: number
  c: number
  /** written at: with v and the data, what tells this revision from another (write-plan.ts) */
  w: number
  dataText: string
  maxAge: unknown
  user: unknown
  /** the end recorded in the item (see expiry.ts); undefined in values written before it was recorded */
  e?: number | undefined
  /** the cookie's expiry as the item recorded it */
  r?: number | undefined
}

/** What one replica holds as far as a write knows: its copy and cas token (none: a miss), or the failure reading it. */
interface Held {
  conn: ServerConnection
  cas: string | undefined
  rev: Revision | undefined
  failed?: unknown
}

const BASES_KEPT = 10_000
// How long a node's claim to refill an emptied server holds: if that node dies
// mid-refill, the claim expires and another node takes the work over.
const MARKER_CLAIM_TTL_S = 120
const TOUCHES_KEPT = 100_000
const TOKENS_KEPT = 10_000

function newCounters (): StoreCounters {
  return { hits: 0, misses: 0, readRepairs: 0, failovers: 0, hedgedReads: 0, replicaWriteFailures: 0, refills: 0, refilledKeys: 0, conflicts: 0, writes: 0, skippedWrites: 0, touches: 0, destroys: 0, rejectedValues: 0, serverDowns: 0, refusedItems: 0, boundedWaits: 0 }
}

function ignore (): void {}

/**
 * A replicated memcached store for @fastify/session. See the package README
 * for the design; each private method below is one step of it.
 */
export class MemcachedStore extends EventEmitter {
  readonly options: ResolvedOptions
  private readonly conns: readonly ServerConnection[]
  private readonly keys: KeySpace
  private readonly codec: RecordCodec
  private readonly bases = new BoundedMap<string, Known>(BASES_KEPT)
  private readonly touchedAt = new BoundedMap<string, number>(TOUCHES_KEPT)
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
  private readonly pendingExpiry = new BoundedMap<string, { v: number, at: number }>(TOUCHES_KEPT)
  private readonly refilling = new Set<string>()
  private readonly probing = new Set<string>()
  private readonly counts = newCounters()
  private readonly prober: NodeJS.Timeout
  /** Puts up skip markers for silent servers and looks for other nodes' (skip-watch.ts). */
  private readonly skipWatcher: NodeJS.Timeout
  private readonly skipTicks: TickClock
  private skipCheckRunning = false
  private closed = false

  constructor (options: MemcachedStoreOptions | string) {
    super()
    this.options = resolveOptions(options)
    this.keys = new KeySpace(this.options.keyPrefix)
    this.codec = new RecordCodec(new ValueCipher(this.options.encryptionKeys), this.options.maxValueBytes)
    this.conns = this.options.servers.map((server) => new ServerConnection(server, (conn, err) => this.onServerFailure(conn, err)))
    this.prober = setInterval(() => { this.probeAll() }, this.options.probeIntervalMs)
    this.prober.unref()
    const watchMs = watchIntervalMs(this.options.probeIntervalMs, this.conns.map((c) => c.server.timeoutMs))
    this.skipTicks = new TickClock(watchMs)
    this.skipWatcher = setInterval(() => { this.watchSkips() }, watchMs)
    this.skipWatcher.unref()
    holdCalls(this, this.keeper, ['getSession', 'setSession', 'touchSession', 'destroySession', 'allSessions', 'clearSessions', 'userSessions', 'listUserSessions', 'destroyUserSessions', 'hit', 'peek'])
  }

  /** Keeps the process alive while an app's call is in flight, and only then (see keep-alive.ts). */
  private readonly keeper = new KeepAlive()

  // ── the callback contract of @fastify/session and express-session ─────
  //
  // Sessions are typed loosely so the store fits both frameworks' Store
  // types, whose Session type each app augments, without depending on them.
  // Every callback is optional: without one, a failure is logged, never thrown.

  /* eslint-disable @typescript-eslint/no-explicit-any */
  get (sessionId: string, callback?: (err: any, session?: any) => void): void {
    settle(this.getSession(sessionId), callback, this.reportUnhandled)
  }

  set (sessionId: string, session: any, callback?: (err?: any) => void): void {
    settle(this.setSession(sessionId, session), callback as StoreCallback, this.reportUnhandled)
  }

  destroy (sessionId: string, callback?: (err?: any) => void): void {
    settle(this.destroySession(sessionId), callback as StoreCallback, this.reportUnhandled)
  }

  /** Extends a session's lifetime as its cookie asks (express-session calls it on requests that do not save). */
  touch (sessionId: string, session: any, callback?: (err?: any) => void): void {
    settle(this.touchSession(sessionId, session), callback as StoreCallback, this.reportUnhandled)
  }

  /** Every live session of this store (keyPrefix), by id. Costs an `lru_crawler metadump` of every server: see the README. */
  all (callback?: (err: any, sessions?: any) => void): void {
    settle(this.allSessions(), callback, this.reportUnhandled)
  }

  /** How many live sessions this store holds; the cost of `all`. */
  length (callback?: (err: any, length?: number) => void): void {
    settle(this.allSessions().then((all) => Object.keys(all).length), callback, this.reportUnhandled)
  }

  /** Deletes every session (and user index) of this store's keyPrefix, never anything else: no flush_all. */
  clear (callback?: (err?: any) => void): void {
    settle(this.clearSessions(), callback as StoreCallback, this.reportUnhandled)
  }

  /** express-session's Store#createSession: the stored data as its Session, on req.session. */
  createSession (req: any, session: any): any {
    return createExpressSession(req, session)
  }

  /** express-session's Store#regenerate: destroys the session, then lets express-session generate a new one. */
  regenerate (req: any, callback?: (err?: any) => any): void {
    const generate = (this as unknown as { generate?: (req: unknown) => void }).generate
    this.destroySession(req.sessionID).then(() => undefined, (err: Error) => err).then((err) => {
      if (typeof generate === 'function') generate.call(this, req)
      if (typeof callback === 'function') callback(err)
      else if (err !== undefined) this.reportUnhandled(err)
    }, this.reportUnhandled)
  }

  /** express-session's Store#load: a session by id, as its Session object; a miss is callback() with nothing. */
  load (sessionId: string, callback?: (err: any, session?: any) => any): void {
    settle(this.getSession(sessionId).then((data) => data === null
      ? undefined
      : this.createSession({ sessionID: sessionId, sessionStore: this }, data)), callback, this.reportUnhandled)
  }
  /* eslint-enable @typescript-eslint/no-explicit-any */

  private readonly reportUnhandled = (err: Error): void => {
    this.options.logger?.warn({ err: err.message, code: (err as Partial<StoreError>).code }, 'a session store call without a callback failed')
  }

  // ── promise API ──────────────────────────────────────────────────────────

  /** The session, or null when there is none (a miss is not an error). Throws a StoreError when no replica answers. */
  async getSession (sessionId: string): Promise<SessionData | null> {
    const key = this.sessionKeyOrUndefined(sessionId)
    if (key === undefined) {
      this.counts.misses++
      return null
    }
    const found = await this.readRecord(key)
    const record = found?.decoded.record
    if (found === undefined || record === undefined || record.destroyed === true || record.data === undefined) {
      this.counts.misses++
      return null
    }
    const now = Date.now()
    if (now >= record.createdAt + this.options.absoluteTimeoutMs) {
      this.counts.misses++
      this.destroySession(sessionId).catch(ignore)
      return null
    }
    const recordedExpiry = typeof record.endsAt === 'number' ? record.endsAt : undefined
    if (hasExpired(recordedExpiry, now)) {
      // its cookie's end has passed: a miss, whatever memcached still holds
      this.counts.misses++
      return null
    }
    // A read never extends a session: with rolling off, its end is fixed. The
    // frameworks extend it by saving (or touching) with a later cookie expiry.
    this.counts.hits++
    const { userField } = this.options
    const revision = String(record.version)
    this.bases.set(`${sessionId}:${record.version}`, {
      connId: found.conn.id,
      cas: found.cas,
      v: record.version,
      c: record.createdAt,
      w: record.writtenAt,
      dataText: found.decoded.dataText,
      maxAge: record.cookie?.originalMaxAge,
      user: record.data[userField],
      e: recordedExpiry,
      r: expiresOf(record.cookie)
    })
    // record was decoded for this call alone, so its data becomes the session as is
    const session: SessionData = record.data
    Object.defineProperty(session, REVISION, { value: revision, enumerable: false, writable: true, configurable: true })
    if (record.cookie !== undefined) {
      if (recordedExpiry !== undefined) {
        // the expiry the cookie asked for (or, while only the margin keeps the
        // session, the margin's end: @fastify/session logs out a session whose
        // reported expiry has passed); see expiry.ts
        const pending = this.pendingExpiry.get(key)
        const written = expiresOf(record.cookie)
        const reported = reportedExpiry(written, pending?.v === record.version ? pending.at : undefined, recordedExpiry, now)
        if (reported !== undefined && written !== undefined) record.cookie.expires = new Date(reported).toISOString()
      } else {
        // written before the end was recorded: memcached's TTL is the idle timeout
        const maxAge = record.cookie.originalMaxAge
        if (typeof maxAge === 'number' && maxAge > 0) record.cookie.expires = new Date(now + maxAge).toISOString()
      }
      const reported = expiresOf(record.cookie)
      if (reported !== undefined) this.revisionTokens.set(`${sessionId}@${reported}`, revision)
      session.cookie = record.cookie
    }
    return session
  }

  /**
   * Saves a session. An unchanged one costs nothing (its TTL was extended by the
   * read); a changed one is written to every available replica, and a
   * concurrent change made elsewhere since our read is merged, not lost.
   */
  async setSession (sessionId: string, session: object): Promise<void> {
    await this.saveSession(sessionId, session, false)
  }

  /**
   * Extends a session as its cookie asks, writing only when the recorded end
   * would otherwise fall behind (see expiry.ts). A session destroyed
   * meanwhile stays destroyed, without an error: there is nothing to extend.
   */
  async touchSession (sessionId: string, session: object): Promise<void> {
    await this.saveSession(sessionId, session, true)
  }

  private get expirySettings (): ExpirySettings {
    return this.options
  }

  /**
   * The revision a session object was read at: the store's symbol (kept by
   * spreads and by express-session's Session), the legacy string field, or
   * the read named by the expiry it reported (@fastify/session).
   */
  private revisionOf (sessionId: string, session: object, cookie: Record<string, unknown> | undefined): string | undefined {
    const own = (session as { [REVISION]?: unknown })[REVISION]
    if (typeof own === 'string') return own
    const legacy = (session as Record<string, unknown>)[this.options.revisionField]
    if (typeof legacy === 'string') return legacy
    for (const field of ['originalExpires', 'expires']) {
      const ms = expiresOf({ expires: cookie?.[field] })
      const token = ms === undefined ? undefined : this.revisionTokens.get(`${sessionId}@${ms}`)
      if (token !== undefined) return token
    }
    return undefined
  }

  private async saveSession (sessionId: string, session: object, touchOnly: boolean): Promise<void> {
    const key = this.keys.session(sessionId)
    const { revisionField, userField } = this.options
    const data: SessionData = {}
    let cookie: Record<string, unknown> | undefined
    for (const [field, value] of Object.entries(session)) {
      if (field === 'cookie') cookie = toPlainCookie(value)
      else if (field !== revisionField && value !== undefined && typeof value !== 'function') data[field] = value
    }
    const rev = this.revisionOf(sessionId, session, cookie)
    // @fastify/session's copy of the expiry a read reported; not the cookie's own
    if (cookie !== undefined) delete cookie.originalExpires
    const dataText = encodeJson(data)
    const known = rev === undefined ? undefined : this.bases.get(`${sessionId}:${rev}`)
    const now = Date.now()
    const unchanged = known !== undefined && known.dataText === dataText && known.maxAge === cookie?.originalMaxAge
    if (unchanged && !saveIsDue(cookie, known.e, now, this.expirySettings)) {
      this.counts.skippedWrites++
      // not written, but reported by the next read of this revision here
      const asked = requestedExpiry(cookie, now, this.expirySettings)
      const pending = this.pendingExpiry.get(key)
      if (pending?.v !== known.v || pending.at < asked) this.pendingExpiry.set(key, { v: known.v, at: asked })
      return
    }
    const revNumber = rev === undefined ? 0 : Number(rev) || 0
    let base: SessionData | undefined
    let destroyed = false
    const written = await this.writeRecord(key, known, (current) => {
      if (current?.destroyed === true) {
        // destroyed: a logout wins over a late write, and a destroyed id is not reused
        destroyed = true
        return undefined
      }
      const created = current?.createdAt ?? known?.c ?? now
      if (now >= created + this.options.absoluteTimeoutMs) return undefined
      let merged = data
      let text: string | undefined = dataText
      const baseVersion = known?.v ?? (rev === undefined ? undefined : revNumber)
      // Merge only with a copy newer than the one this request read: someone
      // wrote since. An older copy (a replica still being refilled) is stale,
      // not a concurrent change; merging with it would take what it lacks
      // for removals and lose acknowledged writes.
      if (current?.data !== undefined && baseVersion !== undefined && current.version > baseVersion) {
        base ??= known === undefined ? undefined : decodeJson(known.dataText) as SessionData
        merged = mergeSessions(base, current.data, data)
        text = undefined
        this.counts.conflicts++
        this.emit('conflict', { key })
      }
      const latest = (...xs: Array<number | undefined>): number | undefined => {
        const defined = xs.filter((x): x is number => typeof x === 'number')
        return defined.length === 0 ? undefined : Math.max(...defined)
      }
      const plan = planWrite(cookie, {
        expires: latest(known?.r, expiresOf(current?.cookie)),
        e: latest(known?.e, current?.endsAt),
        maxAge: known?.maxAge ?? current?.cookie?.originalMaxAge
      }, created, now, this.expirySettings)
      const record: SessionRecord = { version: Math.max(current?.version ?? 0, baseVersion ?? 0) + 1, createdAt: created, writtenAt: now, ttlS: this.ttlFor(cookie, created, now, plan.e), data: merged, endsAt: plan.e }
      // a browser-session cookie (neither maxAge nor expires) keeps no expiry: the store's end (e) is its own
      if (cookie !== undefined) record.cookie = maxAgeOf(cookie) === undefined && expiresOf(cookie) === undefined ? cookie : { ...cookie, expires: new Date(plan.expires).toISOString() }
      return { record, dataText: text }
    })
    if (destroyed && !touchOnly) {
      throw storeError('STK_ERR_SESSION_DESTROYED', `session ${sessionId.slice(0, 8)}… was destroyed; save it under a new id (regenerate)`)
    }
    if (written === undefined) return
    this.pendingExpiry.delete(key)
    if (unchanged) this.counts.touches++
    this.bases.delete(`${sessionId}:${rev}`)
    const user = written.data?.[userField]
    if (typeof user === 'string' && user !== '' && user !== known?.user) {
      // The session is saved; the index only serves "log out everywhere", so a
      // failure to update it (say, a thousand logins of one user at once) must
      // not fail the request that saved the session.
      await this.indexUserSession(user, sessionId).catch((err: Error) => {
        this.options.logger?.warn({ err: err.message }, 'could not add a session to its user index')
      })
    }
  }

  /** Destroys a session on every available replica, with a tombstone no stale copy can outrank. */
  async destroySession (sessionId: string): Promise<void> {
    const key = this.sessionKeyOrUndefined(sessionId)
    if (key === undefined) return
    const now = Date.now()
    const ttlS = Math.min(Math.ceil(this.options.absoluteTimeoutMs / 1000), MAX_RELATIVE_TTL_S)
    const record: SessionRecord = { version: TOMBSTONE_VERSION, createdAt: now, writtenAt: now, ttlS: ttlS, destroyed: true }
    const encoded = this.codec.encode(key, record)
    const targets = this.writeTargets(key)
    const results = await Promise.allSettled(targets.map((conn) => conn.set(key, encoded, ttlS)))
    this.requireAcks(key, results, 'destroy')
    this.counts.destroys++
    this.touchedAt.delete(key)
  }

  /**
   * Every live session of this store (its keyPrefix), by id, read without
   * extending any. The ids come from `lru_crawler metadump` of every server
   * that is not down (the refill's listing), then each session is read from its
   * replicas in multi-get batches: the cost grows with everything the servers
   * hold, so this is for admin pages and tests, not for each request.
   */
  async allSessions (): Promise<Record<string, SessionData>> {
    const prefix = `${this.options.keyPrefix}s:`
    const ids = [...await this.listedKeys((key) => key.startsWith(prefix))].map((key) => key.slice(prefix.length))
    const out: Record<string, SessionData> = {}
    const batch = this.options.refillBatchSize
    for (let i = 0; i < ids.length; i += batch) {
      const now = Date.now()
      await Promise.all(ids.slice(i, i + batch).map(async (id) => {
        const record = await this.peekLive(id, now)
        if (record === undefined) return
        const session: SessionData = record.data
        if (record.cookie !== undefined) {
          const written = expiresOf(record.cookie)
          const reported = reportedExpiry(written, undefined, record.endsAt, now)
          if (reported !== undefined && written !== undefined) record.cookie.expires = new Date(reported).toISOString()
          session.cookie = record.cookie
        }
        out[id] = session
      }))
    }
    return out
  }

  /**
   * Deletes every session and user index of this store's keyPrefix on every
   * server, found with `lru_crawler metadump` as in allSessions; other keys
   * (another keyPrefix, another app) are left alone, and nothing is flushed.
   * Every server must be up: one that is down would keep its copies and serve
   * them again once back, so clear then fails with STK_ERR_STORE_UNAVAILABLE.
   * A refill in progress (this node's) is waited for, so it cannot copy back
   * what clear deletes.
   */
  async clearSessions (): Promise<void> {
    const down = this.conns.filter((c) => !c.health.writable)
    if (down.length > 0) throw storeError('STK_ERR_STORE_UNAVAILABLE', `clear needs every server up; down: ${down.map((c) => c.id).join(', ')}`)
    const prefixes = [`${this.options.keyPrefix}s:`, `${this.options.keyPrefix}u:`]
    // a refill running now could copy back what this deletes: let it finish first
    await this.settled()
    // A read-repair sent just before (by a read of `all`, say) can land after
    // the delete and put a key back: a pass that finds keys left is repeated.
    for (let pass = 0; pass < 3; pass++) {
      let found = 0
      await Promise.all(this.conns.map(async (conn) => {
        const keys = (await conn.listKeys()).map((e) => e.key).filter((key) => prefixes.some((p) => key.startsWith(p)))
        found += keys.length
        for (let i = 0; i < keys.length; i += this.options.refillBatchSize) {
          await Promise.all(keys.slice(i, i + this.options.refillBatchSize).map((key) => conn.delete(key)))
        }
      }))
      if (found === 0) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    this.revisionTokens.clear()
  }

  /** Keys matching `wanted` on every server not down (metadump); fails only when no server could list. */
  private async listedKeys (wanted: (key: string) => boolean): Promise<Set<string>> {
    const keys = new Set<string>()
    const listed = await Promise.allSettled(this.conns.filter((c) => c.health.writable).map((c) => c.listKeys()))
    let answered = 0
    for (const r of listed) {
      if (r.status !== 'fulfilled') continue
      answered++
      for (const e of r.value) if (wanted(e.key)) keys.add(e.key)
    }
    if (answered === 0) throw storeError('STK_ERR_STORE_UNAVAILABLE', 'no server could list its keys')
    return keys
  }

  /** Live session ids of one user (the per-user index, pruned of dead entries). */
  async listUserSessions (userId: string): Promise<string[]> {
    return (await this.userSessions(userId)).map((entry) => entry.id)
  }

  /**
   * Every live session of one user with its data, in index order (oldest
   * first). Unlike getSession it extends no lifetime and leaves no write
   * base: listing a user's sessions ("your sessions") must not keep an idle
   * browser signed in. The reads go out together, so they share a multi-get.
   */
  async userSessions (userId: string): Promise<Array<{ id: string, session: SessionData }>> {
    const ids = await this.userIndex(userId)
    const now = Date.now()
    const entries = await Promise.all(ids.map(async (id) => {
      const record = await this.peekLive(id, now)
      return record === undefined ? undefined : { id, session: record.data }
    }))
    return entries.filter((entry) => entry !== undefined)
  }

  /**
   * A session's record when it is live at `now` (not destroyed, within its
   * absolute lifetime and its cookie's end), read without extending it and
   * without leaving a write base: the listings' read, not a framework's get.
   */
  private async peekLive (sessionId: string, now: number): Promise<(SessionRecord & { data: SessionData }) | undefined> {
    const key = this.sessionKeyOrUndefined(sessionId)
    if (key === undefined) return undefined
    const record = (await this.readRecord(key))?.decoded.record
    if (record === undefined || record.destroyed === true || record.data === undefined || now >= record.createdAt + this.options.absoluteTimeoutMs || hasExpired(record.endsAt, now)) return undefined
    return record as SessionRecord & { data: SessionData }
  }

  /** "Log out everywhere": destroys every session of a user; returns how many were live. */
  async destroyUserSessions (userId: string): Promise<number> {
    const live = await this.listUserSessions(userId)
    const all = await this.userIndex(userId)
    for (const sid of all) await this.destroySession(sid)
    const key = this.keys.user(userId)
    await this.writeRecord(key, undefined, (current) => current === undefined ? undefined : { record: { ...current, version: current.version + 1, writtenAt: Date.now(), data: { ids: [] } } })
    return live.length
  }

  /**
   * A replicated fixed-window counter (login limiting across nodes): the count
   * after this hit, the highest any replica holds.
   */
  async hit (name: string, windowMs: number): Promise<number> {
    const key = this.keys.counter(name)
    const ttlS = Math.max(1, Math.ceil(windowMs / 1000))
    const targets = this.writeTargets(key)
    const results = await Promise.allSettled(targets.map(async (conn) => {
      const n = await conn.incr(key, 1)
      if (n !== undefined) return n
      if (await conn.add(key, '1', ttlS) === 'stored') return 1
      return (await conn.incr(key, 1)) ?? 1
    }))
    const counts = results.flatMap((r) => r.status === 'fulfilled' ? [r.value] : [])
    if (counts.length === 0) throw storeError('STK_ERR_STORE_UNAVAILABLE', `no replica of counter ${name} answered`)
    return Math.max(...counts)
  }

  /** The current count of a counter, 0 when there is none. */
  async peek (name: string): Promise<number> {
    const key = this.keys.counter(name)
    const targets = this.writeTargets(key)
    const results = await Promise.allSettled(targets.map((conn) => conn.gets(key)))
    const ok = results.flatMap((r) => r.status === 'fulfilled' ? [r.value] : [])
    if (ok.length === 0) throw storeError('STK_ERR_STORE_UNAVAILABLE', `no replica of counter ${name} answered`)
    return Math.max(0, ...ok.map((v) => v === undefined ? 0 : Number(v.value) || 0))
  }

  health (): ServerHealthReport[] {
    return this.conns.map((c) => ({ id: c.id, weight: c.server.weight, ...c.health.snapshot() }))
  }

  counters (): StoreCounters {
    return {
      ...this.counts,
      refusedItems: this.conns.reduce((n, c) => n + c.refusedItems, 0),
      boundedWaits: this.conns.reduce((n, c) => n + c.boundedWaits, 0)
    }
  }

  /** Resolves true once no refill runs and no server is recovering, or false after `timeoutMs`. */
  async settled (timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (this.refilling.size === 0 && this.conns.every((c) => c.health.state !== 'recovering')) return true
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    return false
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.prober)
    this.keeper.close()
    clearInterval(this.skipWatcher)
    for (const conn of this.conns) conn.close()
  }

  // ── reading ──────────────────────────────────────────────────────────────

  private sessionKeyOrUndefined (sessionId: string): string | undefined {
    try {
      return this.keys.session(sessionId)
    } catch {
      // an id that cannot be a key cannot name a session
      this.counts.rejectedValues++
      return undefined
    }
  }

  private replicasOf (key: string): ServerConnection[] {
    if (this.closed) throw storeError('STK_ERR_CLOSED', 'the store was closed')
    return replicasFor(this.conns, key, this.options.replicas)
  }

  /** Up replicas first, then recovering ones (possibly not refilled yet). */
  private readOrder (replicas: readonly ServerConnection[]): ServerConnection[] {
    return [...replicas.filter((c) => c.health.readable), ...replicas.filter((c) => c.health.state === 'recovering')]
  }

  /**
   * Every replica not marked down, in placement order. The first is where
   * `cas` orders concurrent writers, so it must be the same server on every
   * web node: a recovering server keeps its place (nodes may disagree on
   * whether it is still recovering, never on the order). Only a server
   * marked down gives up its place.
   */
  private writeTargets (key: string): ServerConnection[] {
    const targets = this.writableReplicas(key)
    if (targets.length === 0) throw storeError('STK_ERR_STORE_UNAVAILABLE', `every replica of ${key.slice(0, 12)}… is marked down`)
    return targets
  }

  /** The replicas not marked down, in placement order (writeTargets without its "none left" error). */
  private writableReplicas (key: string): ServerConnection[] {
    return this.replicasOf(key).filter((c) => c.health.writable)
  }

  private readTargets (key: string): ServerConnection[] {
    const order = this.readOrder(this.replicasOf(key))
    if (order.length === 0) throw storeError('STK_ERR_STORE_UNAVAILABLE', `every replica of ${key.slice(0, 12)}… is marked down`)
    return order
  }

  /**
   * Reads a key from the first replica that has it, falling back on a miss or
   * an error, and repairs the replicas that lacked it. A miss is only believed
   * from a replica that is up; if the others all failed, the read fails.
   */
  private async readRecord (key: string): Promise<Found | undefined> {
    const order = this.readTargets(key)
    const missed: Array<{ conn: ServerConnection, cas: string | undefined }> = []
    // Replicas that went silent: asked, not answered, passed over for the next one.
    const silent: Array<{ conn: ServerConnection, pending: Promise<CasValue | undefined> }> = []
    let errors = 0
    let believedMiss = false
    let found: Found | undefined
    /** What this replica answered, if usable; a miss or a value we cannot read is noted for repair. */
    const consider = (conn: ServerConnection, item: CasValue | undefined): Found | undefined => {
      const decoded = item === undefined ? undefined : this.codec.decode(key, item.value)
      if (item === undefined || decoded === undefined) {
        if (item !== undefined) this.counts.rejectedValues++
        missed.push({ conn, cas: item?.cas })
        if (conn.health.readable) believedMiss = true
        return undefined
      }
      return { conn, cas: item.cas, raw: item.value, decoded }
    }
    for (const [i, conn] of order.entries()) {
      const pending = conn.gets(key)
      const hedgeMs = i < order.length - 1 ? conn.server.timeoutMs * this.options.readHedgeFraction : 0
      let item
      try {
        item = hedgeMs > 0 ? await conn.untilSilent(pending, hedgeMs) : await pending
      } catch {
        errors++
        this.counts.failovers++
        continue
      }
      if (item === SILENT) {
        pending.catch(ignore) // its own timeout marks the server down
        silent.push({ conn, pending })
        this.counts.hedgedReads++
        continue
      }
      found = consider(conn, item)
      if (found !== undefined) break
    }
    // No other replica could answer: a silent one still may, within its timeout.
    if (found === undefined && !believedMiss) {
      for (const s of silent) {
        try {
          found = consider(s.conn, await s.pending)
          if (found !== undefined) break
        } catch {
          errors++
          this.counts.failovers++
        }
      }
    }
    if (found === undefined) {
      if (errors > 0 && !believedMiss) throw storeError('STK_ERR_STORE_UNAVAILABLE', `no replica of ${key.slice(0, 12)}… answered`)
      return undefined
    }
    for (const m of missed) this.repair(key, m.conn, found, m.cas)
    if (this.options.readRepairChance > 0 && Math.random() < this.options.readRepairChance) {
      const rest = order.slice(order.indexOf(found.conn) + 1)
      if (rest.length > 0) this.verifyReplicas(key, found, rest).catch(ignore)
    }
    return found
  }

  /** Copies what `found` holds onto a replica that lacks it or holds an older version. */
  private repair (key: string, conn: ServerConnection, found: Found, theirCas: string | undefined): void {
    const ttlS = this.remainingTtl(found.decoded.record)
    const op = theirCas === undefined ? conn.add(key, found.raw, ttlS) : conn.cas(key, found.raw, ttlS, theirCas)
    op.then((outcome) => {
      if (outcome === 'stored') {
        this.counts.readRepairs++
        this.emit('readRepair', { key, server: conn.id })
      }
    }, ignore)
  }

  /** The sampled part of read-repair: compare the other replicas' versions after answering. */
  private async verifyReplicas (key: string, found: Found, rest: readonly ServerConnection[]): Promise<void> {
    await Promise.all(rest.map(async (conn) => {
      const item = await conn.gets(key)
      const theirs = item === undefined ? undefined : this.codec.decode(key, item.value)
      if (theirs === undefined || isNewer(found.decoded.record, theirs.record)) {
        this.repair(key, conn, found, item?.cas)
      } else if (item !== undefined && isNewer(theirs.record, found.decoded.record)) {
        // the copy we answered from was the stale one: repair it from this replica
        this.repair(key, found.conn, { conn, cas: item.cas, raw: item.value, decoded: theirs }, found.cas)
      }
    }))
  }

  // ── writing ──────────────────────────────────────────────────────────────

  /**
   * Read-modify-write under the rule that no write replaces a newer revision
   * on any replica (write-plan.ts). The copy on every replica not marked down
   * is read first (the read's own cas token stands for the replica it came
   * from), the new revision is built on the newest of them, and then stored
   * with `cas` on the first replica, which orders concurrent writers, and once
   * it has taken it, with `cas` on each of the others, on the copy read there.
   * A lost race on the first replica reads again and asks `next` to merge; a
   * copy on another replica that changed meanwhile is merged in by
   * `reconcile`, never overwritten. `next` returning undefined drops the
   * write (the record was destroyed, or has expired).
   */
  private async writeRecord (
    key: string,
    known: Known | undefined,
    next: (current: SessionRecord | undefined) => { record: SessionRecord, dataText?: string | undefined } | undefined
  ): Promise<SessionRecord | undefined> {
    let hint = known
    for (let attempt = 0; attempt <= this.options.conflictRetries; attempt++) {
      const targets = this.writeTargets(key)
      const held = await this.copiesOn(key, targets, hint)
      const [primary] = held
      // The first replica failed while we read it: it is marked down now and
      // the next one takes its place. The hint stays: when our read came from
      // that next one, its cas token still orders us against any writer since.
      if (primary === undefined || primary.failed !== undefined) continue
      const reachable = held.filter((h) => h.failed === undefined)
      const basedOn = reachable[newestIndex(reachable.map((h) => h.rev))]?.rev
      // The hint's data is only needed for a merge, and `next` merges only with
      // a copy newer than the hint's own; so a hint stands in with no data.
      const step = next(basedOn === undefined ? undefined : basedOn.record.data === undefined && basedOn.record.destroyed !== true ? { ...basedOn.record, data: {} } : basedOn.record)
      if (step === undefined) return undefined
      const ours: Revision = { record: step.record, dataText: step.record.data === undefined ? undefined : (step.dataText ?? encodeJson(step.record.data)) }
      const encoded = this.codec.encode(key, step.record, ours.dataText)
      const [first] = await Promise.allSettled([this.storeOver(key, primary, encoded, step.record.ttlS)]) as [PromiseSettledResult<string>]
      if (first.status === 'fulfilled' && first.value !== 'stored') {
        // someone wrote since our read: read again and merge, after a jittered
        // pause so a crowd of writers to one session does not collide in step
        hint = undefined
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)))
        continue
      }
      // The others only once the first has taken the value: a writer that loses
      // the race there leaves nothing behind on any replica.
      const others = reachable.slice(1)
      const outcomes = await Promise.allSettled(others.map(async (h) => await this.storeOver(key, h, encoded, step.record.ttlS)))
      const changed = others.filter((_, i) => { const o = outcomes[i]; return o?.status === 'fulfilled' && o.value !== 'stored' })
      let results: Array<PromiseSettledResult<unknown>> = [first, ...held.filter((h) => h.failed !== undefined).map((h) => ({ status: 'rejected' as const, reason: h.failed })), ...outcomes]
      let final = ours
      if (changed.length > 0) {
        // A copy changed between our read of it and our store: a write of the
        // same order arriving late, or a node that writes past the first
        // replica (a partition). Merge what we have not seen, store everywhere.
        // the copy last seen on each replica: ours where it was stored
        const seen = new Map(reachable.map((h) => [h.conn.id, changed.includes(h) ? h.rev : ours]))
        const included: Included = { read: reachable.flatMap((h) => h.rev === undefined ? [] : [h.rev]), written: [ours] }
        const reconciled = await this.reconcile(key, ours, seen, included)
        final = reconciled.rev
        results = reconciled.results
      }
      this.requireAcks(key, results, 'write')
      this.counts.writes++
      // a tombstone merged in: the session was destroyed meanwhile, and stays so
      return final.record.destroyed === true && step.record.destroyed !== true ? undefined : final.record
    }
    throw storeError('STK_ERR_CONFLICT', `${key.slice(0, 12)}… changed ${this.options.conflictRetries + 1} times while we wrote it`)
  }

  /**
   * What each target holds now, in target order: a `gets` on each, in
   * parallel, except the replica this request's read came from, whose copy
   * and cas token the hint already holds.
   */
  private async copiesOn (key: string, targets: readonly ServerConnection[], hint: Known | undefined): Promise<Held[]> {
    return await Promise.all(targets.map(async (conn): Promise<Held> => {
      if (hint !== undefined && hint.connId === conn.id) {
        return { conn, cas: hint.cas, rev: { record: { version: hint.v, createdAt: hint.c, writtenAt: hint.w, ttlS: 0 }, dataText: hint.dataText } }
      }
      try {
        return this.heldFrom(key, conn, await conn.gets(key))
      } catch (err) {
        return { conn, cas: undefined, rev: undefined, failed: err }
      }
    }))
  }

  private heldFrom (key: string, conn: ServerConnection, item: CasValue | undefined): Held {
    const decoded = item === undefined ? undefined : this.codec.decode(key, item.value)
    // a value we cannot read is overwritten with cas, as a miss is with add
    return { conn, cas: item?.cas, rev: decoded === undefined ? undefined : { record: decoded.record, dataText: decoded.record.destroyed === true ? undefined : decoded.dataText } }
  }

  /** `cas` on the copy read there, or `add` where there was none: never over a copy we did not read. */
  private async storeOver (key: string, held: Held, encoded: string, ttlS: number): Promise<string> {
    return held.cas === undefined ? await held.conn.add(key, encoded, ttlS) : await held.conn.cas(key, encoded, ttlS, held.cas)
  }

  /**
   * Brings every target to one revision that includes every copy seen on any
   * of them: reads them all, merges each copy we have not built on (against
   * the copy we last saw on that replica, which ours includes), and stores the
   * result with `cas` where it is missing. Rounds repeat while a copy keeps
   * changing under us; after conflictRetries + 1 rounds the write gives up,
   * unacknowledged.
   */
  private async reconcile (
    key: string,
    start: Revision,
    seen: Map<string, Revision | undefined>,
    included: Included
  ): Promise<{ rev: Revision, results: Array<PromiseSettledResult<unknown>> }> {
    let ours = start
    for (let round = 0; round <= this.options.conflictRetries; round++) {
      const targets = this.writeTargets(key)
      const held = await this.copiesOn(key, targets, undefined)
      // in target order: the first replica's copy, the one writers are ordered
      // on, is merged first, so a later write it holds (which includes ours)
      // covers the same write still on its way to the others
      for (const h of held) {
        if (h.failed !== undefined || h.rev === undefined || relationTo(h.rev, ours, included) !== 'diverged') continue
        ours = mergeDiverged(seen.get(h.conn.id), h.rev, ours, Date.now())
        included.read.push(h.rev)
        included.written.push(ours)
        this.counts.conflicts++
        this.emit('conflict', { key })
      }
      const encoded = this.codec.encode(key, ours.record, ours.dataText)
      const storeOne = async (h: Held): Promise<string> => {
        if (h.failed !== undefined) throw h.failed
        if (h.rev !== undefined && sameRevision(h.rev, ours)) return 'stored'
        const outcome = await this.storeOver(key, h, encoded, ours.record.ttlS)
        seen.set(h.conn.id, outcome === 'stored' ? ours : h.rev)
        return outcome
      }
      // The first replica first, as in writeRecord: no other replica ever
      // holds a revision of this order the first has not taken, so a copy
      // newer than ours on another replica is found on the first one too, and
      // merged there against the right base.
      const [head, ...rest] = held
      const outcomes: Array<PromiseSettledResult<string>> = head === undefined ? [] : await Promise.allSettled([storeOne(head)])
      if (outcomes.every((o) => o.status === 'rejected' || o.value === 'stored')) outcomes.push(...await Promise.allSettled(rest.map(storeOne)))
      if (outcomes.length === held.length && outcomes.every((o) => o.status === 'rejected' || o.value === 'stored')) return { rev: ours, results: outcomes }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** round)))
    }
    throw storeError('STK_ERR_CONFLICT', `${key.slice(0, 12)}…'s replicas changed ${this.options.conflictRetries + 1} times while we brought them together`)
  }
  private requireAcks (key: string, results: ReadonlyArray<PromiseSettledResult<unknown>>, what: string): void {
    const acks = results.filter((r) => r.status === 'fulfilled').length
    const failed = results.length - acks
    if (failed > 0) {
      this.counts.replicaWriteFailures += failed
      this.emit('replicaWriteFailed', { key, failed })
    }
    const needed = requiredAcks(this.options.writeConcern, this.options.replicas)
    if (acks < needed) {
      const cause = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason
      throw storeError(acks === 0 ? 'STK_ERR_STORE_UNAVAILABLE' : 'STK_ERR_WRITE_CONCERN', `${what} of ${key.slice(0, 12)}… acknowledged by ${acks} of ${results.length}, ${needed} needed`, cause)
    }
  }

  private ttlFor (cookie: Record<string, unknown> | undefined, created: number, now: number, recordedExpiry?: number): number {
    // the end the cookie set (see expiry.ts), when the item records one
    if (recordedExpiry !== undefined) return ttlSeconds(Math.min(recordedExpiry, created + this.options.absoluteTimeoutMs), now, MAX_RELATIVE_TTL_S)
    const maxAge = cookie?.originalMaxAge
    const idleMs = typeof maxAge === 'number' && maxAge > 0 ? maxAge : this.options.idleTimeoutMs
    const leftMs = created + this.options.absoluteTimeoutMs - now
    // memcached's clock ticks in whole seconds, so an exptime of N can end up to
    // a second early; one more second keeps an item at least its full idle time.
    // The absolute lifetime is checked on read, to the millisecond.
    return Math.max(1, Math.min(Math.ceil(Math.min(idleMs, leftMs) / 1000) + 1, MAX_RELATIVE_TTL_S))
  }

  private remainingTtl (record: SessionRecord): number {
    return record.destroyed === true ? record.ttlS : this.ttlFor(record.cookie, record.createdAt, Date.now(), record.endsAt)
  }

  // ── the per-user index ─────────────────────────────────────────────────

  private async userIndex (userId: string): Promise<string[]> {
    const found = await this.readRecord(this.keys.user(userId))
    const ids = found?.decoded.record.data?.ids
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : []
  }

  private async indexUserSession (userId: string, sessionId: string): Promise<void> {
    const key = this.keys.user(userId)
    const now = Date.now()
    const ttlS = Math.min(Math.ceil(this.options.absoluteTimeoutMs / 1000), MAX_RELATIVE_TTL_S)
    await this.writeRecord(key, undefined, (current) => {
      const ids = Array.isArray(current?.data?.ids) ? (current.data.ids as unknown[]).filter((x): x is string => typeof x === 'string' && x !== sessionId) : []
      ids.push(sessionId)
      return { record: { version: (current?.version ?? 0) + 1, createdAt: current?.createdAt ?? now, writtenAt: now, ttlS: ttlS, data: { ids: ids.slice(-this.options.maxSessionsPerUser) } } }
    })
  }

  // ── health, probes and refill ───────────────────────────────────────────

  private onServerFailure (conn: ServerConnection, err: StoreError): void {
    if (conn.health.recordFailure(err.message)) {
      this.counts.serverDowns++
      this.options.logger?.warn({ server: conn.id, err: err.message, retryInMs: conn.server.retryIntervalMs }, 'memcached server marked down')
      this.emit('serverDown', { server: conn.id, reason: err.message })
      this.announceSkip(conn)
    }
  }

  /**
   * Web nodes see failures at different moments. While this node writes past
   * a server, the others must not read from it: it misses those writes. The
   * skip marker on the other servers tells them so, refreshed at every probe
   * while the server stays down here.
   */
  private announceSkip (skipped: ServerConnection): void {
    const key = this.keys.skipMarker(skipped.id)
    const ttlS = Math.max(2, Math.ceil(3 * this.options.probeIntervalMs / 1000))
    for (const other of this.conns) {
      if (other !== skipped && other.health.writable) other.set(key, '1', ttlS).catch(ignore)
    }
  }

  /** True when some node has announced that it writes past this server. */
  private async skippedElsewhere (conn: ServerConnection): Promise<boolean> {
    const witness = this.conns.find((c) => c !== conn && c.health.readable)
    if (witness === undefined) return false
    try {
      return await witness.gets(this.keys.skipMarker(conn.id)) !== undefined
    } catch {
      return false
    }
  }

  /**
   * One tick of the skip watch (skip-watch.ts): warn the other nodes about a
   * server that has gone silent here, before this node marks it down and
   * writes past it; and stop reading a server another node has warned about.
   */
  private watchSkips (): void {
    if (this.closed) return
    const late = this.skipTicks.tickRanLate()
    for (const conn of this.conns) {
      if (!late && conn.health.state !== 'down' && suspect(conn.silentForMs, conn.server.timeoutMs)) this.announceSkip(conn)
    }
    if (this.skipCheckRunning) return
    this.skipCheckRunning = true
    Promise.all(this.conns.filter((c) => c.health.readable).map(async (conn) => {
      if (await this.skippedElsewhere(conn) && conn.health.markRecovering()) this.emit('serverRecovering', { server: conn.id })
    })).catch(ignore).finally(() => { this.skipCheckRunning = false })
  }

  private probeAll (): void {
    if (this.closed) return
    for (const conn of this.conns) {
      if (conn.health.state === 'down') this.announceSkip(conn)
      if (this.probing.has(conn.id)) continue
      if (conn.health.state === 'down' && !conn.health.probeDue()) continue
      this.probing.add(conn.id)
      this.probe(conn).catch(ignore).finally(() => this.probing.delete(conn.id))
    }
  }

  /**
   * One probe: `stats` (a failure marks the server down; a new pid means it
   * restarted), then the filled marker. A server that lost the marker was
   * emptied, perhaps before this node ever saw it; the first node to put the
   * marker back (`add`) refills it. A server that was down may hold stale
   * values: it is read only after its refill (`recovering`).
   */
  private async probe (conn: ServerConnection): Promise<void> {
    let recovering = conn.health.recordProbe(await conn.identity())
    if (conn.health.state === 'up') {
      const marker = this.keys.filledMarker()
      if (await conn.gets(marker) === undefined && await conn.add(marker, 'refilling', MARKER_CLAIM_TTL_S) === 'stored') {
        // Empty, not stale: it holds nothing old, and a miss there falls
        // through to the peers, so it stays up (and first in read order)
        // while it is refilled.
        this.options.logger?.info({ server: conn.id }, 'memcached server is empty; refilling it from its peers')
        this.startRefill(conn)
      }
    }
    if (conn.health.state !== 'down' && await this.skippedElsewhere(conn)) {
      // another node writes past it: read elsewhere, refill once it stops
      recovering = conn.health.markRecovering() || recovering
      if (recovering) this.emit('serverRecovering', { server: conn.id })
      return
    }
    if (recovering) {
      this.options.logger?.info({ server: conn.id }, 'memcached server is back or empty; refilling it from its peers')
      this.emit('serverRecovering', { server: conn.id })
    }
    if (conn.health.state === 'recovering') this.startRefill(conn)
  }

  private startRefill (target: ServerConnection): void {
    if (this.refilling.has(target.id) || this.closed) return
    this.refilling.add(target.id)
    this.refillOnce(target).catch((err: Error) => {
      this.options.logger?.warn({ server: target.id, err: err.message }, 'refill failed; retrying at the next probe')
    }).finally(() => this.refilling.delete(target.id))
  }

  private async refillOnce (target: ServerConnection): Promise<void> {
    const report = await refill({
      target,
      sources: this.conns.filter((c) => c !== target && c.health.writable),
      belongsOnTarget: (key) => this.keys.isReplicated(key) && this.replicasOf(key).includes(target),
      codec: this.codec,
      batchSize: this.options.refillBatchSize,
      concurrency: this.options.refillConcurrency
    })
    await target.set(this.keys.filledMarker(), 'ok', 0)
    // a node that began writing past it during the copy means another round
    if (await this.skippedElsewhere(target)) return
    target.health.recordRefilled()
    this.counts.refills++
    this.counts.refilledKeys += report.copied
    this.options.logger?.info({ ...report }, 'memcached server refilled')
    this.emit('refill', report)
    this.emit('serverUp', { server: target.id })
  }
}

/** @fastify/session's Cookie has a toJSON; a plain object (from a test or another store) is taken as is. */
function toPlainCookie (value: unknown): Record<string, unknown> | undefined {
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

export type { ServerState }
export { StoreError }
