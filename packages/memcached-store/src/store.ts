// The store: the promise API and how its parts fit. The parts are in the
// folders beside this file (policy/ decides, record/ encodes, replication/
// and connection/ do the I/O; docs/store-design.md is the design). It runs
// past 300 lines because it is the package's whole public API (the promise
// methods and their docs), each method a few lines over those parts.
import { newCounters, type Emit, type StoreCounters } from './counters.js'
import { encodeJson } from './record/codec.js'
import { storeError } from './errors.js'
import { reportExpiry, requestedExpiry, saveIsDue } from './policy/expiry.js'
import { FrameworkStore } from './framework/framework-adapter.js'
import { holdCalls, ProcessHold } from './connection/process-hold.js'
import { KeySpace } from './record/keys.js'
import { resolveOptions, type MemcachedStoreOptions, type ResolvedOptions, type ResolvedServer, type StoreLogger } from './options/options.js'
import { Placement } from './policy/placement.js'
import { ReadMemory } from './replication/read-memory.js'
import { BoundedMap } from './policy/bounded-map.js'
import { rebalance, type RebalanceReport } from './replication/rebalance.js'
import { RecordCodec } from './record/record-codec.js'
import { ReplicatedCounter } from './replication/replicated-counter.js'
import { ReplicatedReader } from './replication/replicated-read.js'
import { ReplicatedWriter } from './replication/replicated-write.js'
import { ServerConnection } from './connection/server-connection.js'
import type { HealthSnapshot, ServerState } from './policy/server-health.js'
import { ServerWatch } from './replication/server-watch.js'
import { SessionListing } from './replication/session-listing.js'
import { holdsSession, type LiveRecord, type SessionRecord } from './record/session-record.js'
import { isLive, nextRecord, pastAbsoluteLifetime, remainingTtl, splitSession, tombstone, type SessionData } from './policy/session-rules.js'
import { ValueCipher } from './record/cipher.js'
import { UserIndex } from './replication/user-index.js'
import { peekOf, type SessionPeek } from './replication/session-peek.js'
import { StoreTracer } from './tracing/store-tracer.js'

export type { SessionData, SessionPeek, StoreCounters }

export interface ServerHealthReport extends HealthSnapshot {
  readonly id: string
  readonly weight: number
}

function ignore (): void {}

const EXPECTED_WRITES_KEPT = 10_000

/**
 * A replicated memcached store for @fastify/session and express-session. See
 * docs/store-design.md (in the repository) for the design.
 */
export class MemcachedStore extends FrameworkStore {
  readonly options: ResolvedOptions
  private readonly clock: () => number
  private readonly keys: KeySpace
  private readonly placement: Placement<ServerConnection>
  /** the current pool's connections (placement.servers adds the previous pool's, while it changes) */
  private readonly pool: readonly ServerConnection[]
  private readonly codec: RecordCodec
  private readonly counts = newCounters()
  private readonly reader: ReplicatedReader
  private readonly writer: ReplicatedWriter
  private readonly memory: ReadMemory
  private readonly userIndex: UserIndex
  private readonly counter: ReplicatedCounter
  private readonly listing: SessionListing
  private readonly watch: ServerWatch
  /** Keeps the process alive while an app's call is in flight, and only then (see connection/process-hold.ts). */
  private readonly keeper = new ProcessHold()
  private readonly tracer: StoreTracer
  /** Sessions whose next read a write follows (expectWrite); bounded, as a read may never come. */
  private readonly expectedWrites = new BoundedMap<string, true>(EXPECTED_WRITES_KEPT)
  private closed = false

  constructor (options: MemcachedStoreOptions | string) {
    super()
    this.options = resolveOptions(options)
    const opts = this.options
    this.clock = opts.clock
    this.keys = new KeySpace(opts.keyPrefix)
    const codec = new RecordCodec(new ValueCipher(opts.encryptionKeys), opts.maxValueBytes)
    this.codec = codec
    const emit: Emit = (event, payload) => { this.emit(event, payload) }
    const tracer = this.tracer = new StoreTracer(opts.tracing)
    const connect = (server: ResolvedServer): ServerConnection => new ServerConnection(server, (conn, err) => { this.watch.onServerFailure(conn, err) }, opts.channel?.(server), tracer)
    const pool = opts.servers.map(connect)
    // a server in both pools is one connection
    const previous = opts.previousServers.map((server) => pool.find((c) => c.id === server.id) ?? connect(server))
    this.pool = pool
    this.placement = new Placement(pool, opts.replicas, previous)
    const parts = { placement: this.placement, codec, counts: this.counts, emit, random: opts.random, tracer }
    this.reader = new ReplicatedReader({
      ...parts,
      ttlOf: (decoded) => remainingTtl(decoded.record, this.clock(), opts),
      readHedgeFraction: opts.readHedgeFraction,
      readRepairChance: opts.readRepairChance
    })
    this.writer = new ReplicatedWriter({ ...parts, conflictRetries: opts.conflictRetries, writeConcern: opts.writeConcern, replicas: opts.replicas, clock: this.clock })
    this.memory = new ReadMemory(opts.revisionField)
    this.userIndex = new UserIndex({ keys: this.keys, reader: this.reader, writer: this.writer, settings: opts, maxSessionsPerUser: opts.maxSessionsPerUser, clock: this.clock })
    this.counter = new ReplicatedCounter(this.placement, this.keys)
    this.listing = new SessionListing({
      servers: this.placement.servers,
      keyPrefix: opts.keyPrefix,
      batchSize: opts.refillBatchSize,
      peekLive: async (id, now) => await this.peekLive(id, now),
      settled: async () => await this.settled(),
      clock: this.clock
    })
    this.watch = new ServerWatch({
      ...parts,
      keys: this.keys,
      logger: opts.logger,
      probeIntervalMs: opts.probeIntervalMs,
      refillBatchSize: opts.refillBatchSize,
      refillConcurrency: opts.refillConcurrency
    })
    holdCalls(this, this.keeper, ['getSession', 'getSessionReadOnly', 'setSession', 'touchSession', 'destroySession', 'allSessions', 'clearSessions', 'userSessions', 'peekSessions', 'listUserSessions', 'destroyUserSessions', 'hit', 'peek', 'rebalance'])
  }

  protected get logger (): StoreLogger | undefined {
    return this.options.logger
  }

  /**
   * Says that the next read of this session comes before a write of it (a
   * route that changes the session): that read asks every replica at once,
   * and the write then needs no read of its own. With two replicas a write
   * takes two rounds, as with one, instead of three. A read that only reads pays one
   * `gets`, as before; so call this only where a write follows.
   */
  expectWrite (sessionId: string): void {
    this.expectedWrites.set(sessionId, true)
  }

  /** The session, or null when there is none (a miss is not an error). Throws a StoreError when no replica answers. */
  async getSession (sessionId: string): Promise<SessionData | null> {
    const key = this.sessionKeyOrUndefined(sessionId)
    const forWrite = this.expectedWrites.get(sessionId) === true
    if (forWrite) this.expectedWrites.delete(sessionId)
    const { found, others } = key === undefined ? { found: undefined, others: undefined } : forWrite ? await this.reader.readForWrite(key) : { found: await this.reader.read(key), others: undefined }
    const now = this.clock()
    const record = this.liveOrMiss(sessionId, found?.decoded.record, now)
    if (key === undefined || found === undefined || record === undefined) return null
    // siblings joined: the bytes read are not the revision the session is, so they cannot stand for it
    const raw = found.joined === true ? undefined : found.raw
    return this.memory.sessionFromRead(sessionId, key, { connId: found.conn.id, cas: found.cas, dataText: found.decoded.dataText, raw, others }, record, this.options.userField, now)
  }

  /**
   * The session for a route that only reads it, or null: live and counted
   * as getSession finds it, but no save may follow. Nothing is remembered
   * for a write, the cookie's expiry is not reported (judge liveness by the
   * answer, not by the cookie), and the objects are shared with other such
   * reads and frozen: a change throws. Cheaper than getSession, most of all
   * for large sessions, whose copy it saves.
   */
  async getSessionReadOnly (sessionId: string): Promise<Readonly<SessionData> | null> {
    const key = this.sessionKeyOrUndefined(sessionId)
    const found = key === undefined ? undefined : await this.reader.read(key, true)
    return this.liveOrMiss(sessionId, found?.decoded.record, this.clock())?.data ?? null
  }

  /** The record if it holds a live session (a hit), else undefined (a miss); one past its absolute lifetime is destroyed. */
  private liveOrMiss (sessionId: string, record: SessionRecord | undefined, now: number): LiveRecord | undefined {
    if (!isLive(record, now, this.options)) {
      // past its absolute lifetime: destroyed, so no node ever serves it again
      if (holdsSession(record) && pastAbsoluteLifetime(record, now, this.options)) this.destroySession(sessionId).catch(ignore)
      this.counts.misses++
      return undefined
    }
    // A read never extends a session: with rolling off, its end is fixed. The
    // frameworks extend it by saving (or touching) with a later cookie expiry.
    this.counts.hits++
    return record
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

  private async saveSession (sessionId: string, session: object, touchOnly: boolean): Promise<void> {
    const key = this.keys.session(sessionId)
    const { data, cookie } = splitSession(session, this.options.revisionField)
    const revision = this.memory.revisionOf(sessionId, session, cookie)
    // @fastify/session's copy of the expiry a read reported; not the cookie's own
    if (cookie !== undefined) delete cookie.originalExpires
    const dataText = encodeJson(data)
    const known = this.memory.knownRead(sessionId, revision)
    const now = this.clock()
    const unchanged = known !== undefined && known.dataText === dataText && known.maxAge === cookie?.originalMaxAge
    if (unchanged && !saveIsDue(cookie, known.endsAt, now, this.options)) {
      this.counts.skippedWrites++
      // not written, but reported by the next read of this revision here
      this.memory.notePendingExpiry(key, known.version, requestedExpiry(cookie, now, this.options))
      return
    }
    let destroyed = false
    const written = await this.writer.write(key, known, (current) => {
      const outcome = nextRecord(current, { data, dataText, cookie, known, revision, now }, this.options)
      if (outcome.kind === 'destroyed') destroyed = true
      if (outcome.kind !== 'write') return undefined
      if (outcome.merged) {
        this.counts.conflicts++
        this.emit('conflict', { key })
      }
      return { record: outcome.record, dataText: outcome.dataText }
    })
    if (destroyed && !touchOnly) {
      throw storeError('STK_ERR_SESSION_DESTROYED', `session ${sessionId.slice(0, 8)}… was destroyed; save it under a new id (regenerate)`)
    }
    if (written === undefined) return
    this.memory.written(sessionId, key, revision)
    if (unchanged) this.counts.touches++
    const user = written.data?.[this.options.userField]
    if (typeof user === 'string' && user !== '' && user !== known?.user) {
      // The session is saved; the index only serves "log out everywhere", so a
      // failure to update it (say, a thousand logins of one user at once) must
      // not fail the request that saved the session.
      await this.userIndex.add(user, sessionId).catch((err: Error) => {
        this.options.logger?.warn({ err: err.message }, 'could not add a session to its user index')
      })
    }
  }

  /** Destroys a session on every available replica, with a tombstone no stale copy can outrank. */
  async destroySession (sessionId: string): Promise<void> {
    const key = this.sessionKeyOrUndefined(sessionId)
    if (key === undefined) return
    await this.writer.overwrite(key, tombstone(this.clock(), this.options), 'destroy')
    this.counts.destroys++
  }

  /** Every live session of this store (its keyPrefix), by id, read without extending any: see session-listing.ts. */
  async allSessions (): Promise<Record<string, SessionData>> {
    const out: Record<string, SessionData> = {}
    const now = this.clock()
    for (const [id, record] of await this.listing.all()) {
      const session: SessionData = record.data
      if (record.cookie !== undefined) {
        reportExpiry(record.cookie, record.endsAt, undefined, now)
        session.cookie = record.cookie
      }
      out[id] = session
    }
    return out
  }

  /** Deletes every session and user index of this keyPrefix, and nothing else: see session-listing.ts. */
  async clearSessions (): Promise<void> {
    await this.listing.clear()
    this.memory.forgetTokens()
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
    const ids = await this.userIndex.ids(userId)
    const now = this.clock()
    const entries = await Promise.all(ids.map(async (id) => {
      const record = await this.peekLive(id, now)
      return record === undefined ? undefined : { id, session: record.data }
    }))
    return entries.filter((entry) => entry !== undefined)
  }

  /**
   * Many sessions at once, by id: `live` with the session's data, `ended`
   * (none, destroyed, past its idle end or absolute lifetime) or `unknown`
   * (no replica answered: an outage is not a logout). Read as userSessions
   * reads: no lifetime is extended and no write base is left. The reads go
   * out together, so they share one multi-get per server.
   */
  async peekSessions (sessionIds: readonly string[]): Promise<Map<string, SessionPeek>> {
    const now = this.clock()
    const unique = [...new Set(sessionIds)]
    const peeks = await Promise.all(unique.map(async (id) => await peekOf(this.peekLive(id, now))))
    return new Map(unique.map((id, i) => [id, peeks[i] as SessionPeek]))
  }

  /** "Log out everywhere": destroys every session of a user; returns how many were live. */
  async destroyUserSessions (userId: string): Promise<number> {
    const ids = await this.userIndex.ids(userId)
    const now = this.clock()
    const live = await Promise.all(ids.map(async (id) => await this.peekLive(id, now) !== undefined))
    // Each tombstone is a key of its own: all at once, every one tried before
    // a failure is reported; the index stays until all have succeeded, so a
    // retry finds every session again.
    const outcomes = await Promise.allSettled(ids.map(async (id) => await this.destroySession(id)))
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    await this.userIndex.empty(userId)
    return live.filter(Boolean).length
  }

  /** A replicated fixed-window counter (login limiting across nodes): the count after this hit, as the first replica in placement order that answers holds it. */
  async hit (name: string, windowMs: number): Promise<number> {
    return await this.counter.hit(name, windowMs)
  }

  /** The current count of a counter, 0 when there is none. */
  async peek (name: string): Promise<number> {
    return await this.counter.peek(name)
  }

  /**
   * After a change of the pool (previousServers): copies every session and
   * user index to its replicas in the new pool, from whichever server holds
   * the newest copy, and reports what it moved. The web node runs it at
   * start while previousServers is set (docs/store-design.md, "Changing the
   * pool"). Costs a metadump and a read of every key on every server: once
   * per change.
   */
  async rebalance (): Promise<RebalanceReport> {
    const report = await this.tracer.internal('rebalance', {}, async () => await rebalance({
      placement: this.placement,
      pool: this.pool,
      keys: this.keys,
      codec: this.codec,
      batchSize: this.options.refillBatchSize,
      concurrency: this.options.refillConcurrency
    }))
    this.counts.rebalances++
    this.counts.rebalancedKeys += report.copied
    this.options.logger?.info({ scanned: report.scanned, copied: report.copied, refused: report.refused, ms: report.ms }, 'memcached pool rebalanced')
    this.emit('rebalance', report)
    return report
  }

  health (): ServerHealthReport[] {
    return this.placement.servers.map((c) => ({ id: c.id, weight: c.server.weight, ...c.health.snapshot() }))
  }

  counters (): StoreCounters {
    return {
      ...this.counts,
      refusedItems: this.placement.servers.reduce((n, c) => n + c.refusedItems, 0),
      boundedWaits: this.placement.servers.reduce((n, c) => n + c.boundedWaits, 0)
    }
  }

  /** Resolves true once no refill runs and no server is recovering, or false after `timeoutMs` (of real time: it waits on memcached). */
  async settled (timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (this.watch.idle) return true
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    return false
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.placement.close()
    this.watch.close()
    this.keeper.close()
    for (const conn of this.placement.servers) conn.close()
  }

  /**
   * A session's record when it is live at `now` (not destroyed, within its
   * absolute lifetime and its cookie's end), read without extending it and
   * without leaving a write base: the listings' read, not a framework's get.
   */
  private async peekLive (sessionId: string, now: number): Promise<LiveRecord | undefined> {
    const key = this.sessionKeyOrUndefined(sessionId)
    if (key === undefined) return undefined
    const record = (await this.reader.read(key))?.decoded.record
    return isLive(record, now, this.options) ? record : undefined
  }

  private sessionKeyOrUndefined (sessionId: string): string | undefined {
    try {
      return this.keys.session(sessionId)
    } catch {
      // an id that cannot be a key cannot name a session
      this.counts.rejectedValues++
      return undefined
    }
  }
}

export type { ServerState }
export { StoreError } from './errors.js'
