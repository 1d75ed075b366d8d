// The replicated read: the first replica that has the key answers; a miss or
// an error falls through to the next; a replica that goes silent is passed
// over after a fraction of its timeout (hedging); replicas found lacking are
// repaired. The order comes from placement.ts; this file does the I/O.
import type { StoreCounters, Emit } from '../counters.js'
import { storeError } from '../errors.js'
import type { Placement } from '../policy/placement.js'
import type { Decoded, RecordCodec } from '../record/record-codec.js'
import { Silenced, type CasValue, type ServerConnection } from '../connection/server-connection.js'
import { encodeJson } from '../record/codec.js'
import { isNewer } from '../record/session-record.js'
import { basisOf, revisionOf, sameRevision, supersedes } from '../policy/write-plan.js'
import type { OtherCopy } from '../policy/session-rules.js'

/** What a read found on one replica. */
export interface Found {
  readonly conn: ServerConnection
  readonly cas: string
  readonly raw: string
  readonly decoded: Decoded
  /** the session is siblings joined (readNewest): `decoded` is not what `raw` holds */
  readonly joined?: boolean
}

/** What one replica answered to a read that asked every replica at once. */
interface Held {
  readonly conn: ServerConnection
  readonly cas: string | undefined
  readonly raw: string | undefined
  readonly decoded: Decoded | undefined
}

export interface ReaderParts {
  readonly placement: Placement<ServerConnection>
  readonly codec: RecordCodec
  readonly counts: StoreCounters
  readonly emit: Emit
  /** the exptime a repaired copy keeps */
  readonly ttlOf: (decoded: Decoded) => number
  readonly readHedgeFraction: number
  readonly readRepairChance: number
  /** a uniform draw in [0, 1), for the sampled read-repair; Math.random unless a test decides */
  readonly random: () => number
}

function ignore (): void {}

// The sampled check asks the other replicas, where a read asks only the
// first. Sent at once, it cost a multi-get (a socket write, a wakeup of that
// memcached) in most turns of the event loop of a loaded node: with 5% of
// reads sampled, a turn of 18 reads holds one 60% of the time, and a signed-in
// read cost 4 µs more with two replicas than with one. Nobody waits for it,
// so the checks of VERIFY_DELAY_MS leave together, and past VERIFY_QUEUE_MAX
// waiting ones the sample is skipped.
const VERIFY_DELAY_MS = 20
const VERIFY_QUEUE_MAX = 1_000

/** A replica that lacked the key (or held a value we cannot read), with its cas token if it held one. */
interface Missed {
  readonly conn: ServerConnection
  readonly cas: string | undefined
}

interface Check {
  readonly key: string
  readonly found: Found
  readonly rest: readonly ServerConnection[]
}

export class ReplicatedReader {
  /** Sampled checks waiting for the timer (verifyLater). */
  private checks: Check[] = []
  private checkTimer: NodeJS.Timeout | undefined

  constructor (private readonly parts: ReaderParts) {}

  /**
   * Reads a key from the first replica that has it, falling back on a miss or
   * an error, and repairs the replicas that lacked it. A miss is only believed
   * from a replica that is up; if the others all failed, the read fails.
   * Given `shared`, what it found is decoded shared and frozen
   * (RecordCodec.decodeShared): for a caller that only reads.
   */
  async read (key: string, shared = false): Promise<Found | undefined> {
    const { placement, counts } = this.parts
    const order = placement.readTargets(key)
    if (placement.changing) return await this.readNewest(key, order)
    // What a read keeps besides its answer is made only when needed: on the
    // usual read the first replica answers, and nothing else is allocated.
    let missed: Missed[] | undefined
    // Replicas that went silent: asked, not answered, passed over for the next one.
    let silent: Array<{ conn: ServerConnection, pending: Promise<CasValue | undefined> }> | undefined
    let errors = 0
    let believedMiss = false
    let found: Found | undefined
    for (let i = 0; i < order.length; i++) {
      const conn = order[i] as ServerConnection
      const hedgeMs = i < order.length - 1 ? conn.server.timeoutMs * this.parts.readHedgeFraction : 0
      let item
      try {
        item = hedgeMs > 0 ? await conn.getsHedged(key, hedgeMs) : await conn.gets(key)
      } catch {
        errors++
        counts.failovers++
        continue
      }
      if (item instanceof Silenced) {
        // its own timeout marks the server down
        ;(silent ??= []).push({ conn, pending: item.pending })
        counts.hedgedReads++
        continue
      }
      found = this.usable(key, shared, conn, item)
      if (found !== undefined) break
      ;(missed ??= []).push({ conn, cas: item?.cas })
      if (conn.health.readable) believedMiss = true
    }
    // No other replica could answer: a silent one still may, within its timeout.
    if (found === undefined && !believedMiss && silent !== undefined) {
      for (const s of silent) {
        let item
        try {
          item = await s.pending
        } catch {
          errors++
          counts.failovers++
          continue
        }
        found = this.usable(key, shared, s.conn, item)
        if (found !== undefined) break
        ;(missed ??= []).push({ conn: s.conn, cas: item?.cas })
        if (s.conn.health.readable) believedMiss = true
      }
    }
    if (found === undefined) {
      if (errors > 0 && !believedMiss) throw storeError('STK_ERR_STORE_UNAVAILABLE', `no replica of ${key.slice(0, 12)}… answered`)
      return undefined
    }
    if (missed !== undefined) for (const m of missed) this.repair(key, m.conn, found, m.cas)
    if (this.parts.readRepairChance > 0 && this.parts.random() < this.parts.readRepairChance) {
      const rest = order.slice(order.indexOf(found.conn) + 1)
      if (rest.length > 0) this.verifyLater({ key, found, rest })
    }
    return found
  }

  /** What this replica answered, if usable: a miss or a value we cannot read (counted) is undefined, for repair. */
  private usable (key: string, shared: boolean, conn: ServerConnection, item: CasValue | undefined): Found | undefined {
    if (item === undefined) return undefined
    const { codec } = this.parts
    const decoded = shared ? codec.decodeShared(key, item.value) : codec.decode(key, item.value)
    if (decoded === undefined) {
      this.parts.counts.rejectedValues++
      return undefined
    }
    return { conn, cas: item.cas, raw: item.value, decoded }
  }

  /**
   * A read that a write will follow (MemcachedStore.expectWrite): every
   * replica is asked at once, in the same turn as the other reads (one
   * multi-get per server), and read as while the pool changes. The write
   * stores over what each held with `cas` instead of reading it again, so a
   * write with two replicas takes two rounds, as with one, not three. Nothing is repaired:
   * the write brings every replica to one revision.
   */
  async readForWrite (key: string): Promise<{ found: Found | undefined, others: OtherCopy[] }> {
    const held: Held[] = []
    const found = await this.readNewest(key, this.parts.placement.readTargets(key), held)
    const others = found === undefined ? [] : held.filter((h) => h.conn !== found.conn).map((h) => ({ connId: h.conn.id, cas: h.cas, raw: h.raw }))
    return { found, others }
  }

  /**
   * While the pool changes: every holder is asked at once and the newest copy
   * wins, since a node still on the old list wrote only to the old replicas
   * (placement.ts). The holders that lack it or hold an older copy are
   * repaired, so the new pool's replicas catch up with each read. A miss is
   * believed when a holder that is up answered it and no holder had the key.
   * Given `forWrite`, what each holder answered goes there, and none is repaired.
   */
  private async readNewest (key: string, order: readonly ServerConnection[], forWrite?: Held[]): Promise<Found | undefined> {
    const { codec, counts } = this.parts
    const answers = await Promise.allSettled(order.map(async (conn) => ({ conn, item: await conn.gets(key) })))
    let found: Found | undefined
    const held: Held[] = forWrite ?? []
    let believedMiss = false
    for (const answer of answers) {
      if (answer.status === 'rejected') {
        counts.failovers++
        continue
      }
      const { conn, item } = answer.value
      // replicas in step hold the same bytes: decoded once
      const twin = item === undefined ? undefined : held.find((h) => h.raw === item.value)
      const decoded = item === undefined ? undefined : twin !== undefined ? twin.decoded : codec.decode(key, item.value)
      if (item !== undefined && decoded === undefined) counts.rejectedValues++
      if (item === undefined && conn.health.readable) believedMiss = true
      held.push({ conn, cas: item?.cas, raw: item?.value, decoded })
      if (item !== undefined && decoded !== undefined && (found === undefined || isNewer(decoded.record, found.decoded.record))) {
        found = { conn, cas: item.cas, raw: item.value, decoded }
      }
    }
    if (found === undefined) {
      if (!believedMiss && held.length < order.length) throw storeError('STK_ERR_STORE_UNAVAILABLE', `no replica of ${key.slice(0, 12)}… answered`)
      return undefined
    }
    const revisions = held.map((h) => h.decoded === undefined ? undefined : revisionOf(h.decoded))
    const newest = revisionOf(found.decoded)
    const joined = basisOf(revisions)
    if (joined !== undefined && !sameRevision(joined, newest)) {
      // Siblings (a node on the old list and one on both wrote from the same
      // copy): the session is both, until the next write stores their join.
      // No holder holds the join, so none is repaired with it.
      const data = joined.record.data ?? {}
      return { ...found, joined: true, decoded: { record: { ...joined.record, data }, dataText: joined.dataText ?? encodeJson(data) } }
    }
    if (forWrite !== undefined) return found
    for (const [i, h] of held.entries()) {
      const theirs = revisions[i]
      if (h.conn !== found.conn && (theirs === undefined || supersedes(newest, theirs))) this.repair(key, h.conn, found, h.cas)
    }
    return found
  }

  /** Copies what `found` holds onto a replica that lacks it or holds an older version. */
  private repair (key: string, conn: ServerConnection, found: Found, theirCas: string | undefined): void {
    const ttlS = this.parts.ttlOf(found.decoded)
    const op = theirCas === undefined ? conn.add(key, found.raw, ttlS) : conn.cas(key, found.raw, ttlS, theirCas)
    op.then((outcome) => {
      if (outcome === 'stored') {
        this.parts.counts.readRepairs++
        this.parts.emit('readRepair', { key, server: conn.id })
      }
    }, ignore)
  }

  /** Queues a sampled check; the queue goes out VERIFY_DELAY_MS after its first check, in one turn (one multi-get per server). */
  private verifyLater (check: Check): void {
    if (this.checks.length >= VERIFY_QUEUE_MAX) return
    this.checks.push(check)
    if (this.checkTimer !== undefined) return
    this.checkTimer = setTimeout(() => {
      this.checkTimer = undefined
      const due = this.checks
      this.checks = []
      for (const c of due) this.verifyReplicas(c.key, c.found, c.rest).catch(ignore)
    }, VERIFY_DELAY_MS)
    // background work: it never keeps the process alive
    this.checkTimer.unref()
  }

  /** The sampled part of read-repair: compare the other replicas' versions after answering. */
  private async verifyReplicas (key: string, found: Found, rest: readonly ServerConnection[]): Promise<void> {
    await Promise.all(rest.map(async (conn) => {
      const item = await conn.gets(key)
      // only compared and copied as bytes: shared, not a copy of its own
      const decoded = item === undefined ? undefined : this.parts.codec.decodeShared(key, item.value)
      const ours = revisionOf(found.decoded)
      const theirs = decoded === undefined ? undefined : revisionOf(decoded)
      // only over a copy the other includes: siblings wait for the next write to join them
      if (theirs === undefined || supersedes(ours, theirs)) {
        this.repair(key, conn, found, item?.cas)
      } else if (item !== undefined && decoded !== undefined && supersedes(theirs, ours)) {
        // the copy we answered from was the stale one: repair it from this replica
        this.repair(key, found.conn, { conn, cas: item.cas, raw: item.value, decoded }, found.cas)
      }
    }))
  }
}
