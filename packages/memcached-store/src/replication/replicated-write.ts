// The replicated write: read-modify-write with `cas` on every replica, under
// the rule that no write replaces a newer revision on any replica
// (write-plan.ts decides revisions; write-concern.ts judges the acks; this
// file does the I/O).
import type { StoreCounters, Emit } from '../counters.js'
import { encodeJson } from '../record/codec.js'
import { storeError } from '../errors.js'
import type { WriteConcern } from '../options/options.js'
import type { Placement } from '../policy/placement.js'
import type { RecordCodec } from '../record/record-codec.js'
import type { CasValue, ServerConnection } from '../connection/server-connection.js'
import type { SessionRecord } from '../record/session-record.js'
import type { KnownRead } from '../policy/session-rules.js'
import { SAFETY_RULES } from '../policy/safety-rules.js'
import { conflictPauseMs, judgeAcks } from '../policy/write-concern.js'
import { basisOf, lineageOf, mergeDiverged, relationTo, revisionId, sameRevision, type Revision } from '../policy/write-plan.js'
import { noTracing, type StoreTracer } from '../tracing/store-tracer.js'

/** What a write knows from its request's read: the replica and cas token it came from, and the revision. */
export type WriteHint = Pick<KnownRead, 'connId' | 'cas' | 'version' | 'createdAt' | 'writtenAt' | 'dataText' | 'lineage' | 'heads' | 'raw' | 'others'>

/** What a write builds from the newest copy found (undefined: none), or undefined to drop the write. */
export type NextStep = (current: SessionRecord | undefined) => { record: SessionRecord, dataText?: string | undefined } | undefined

/** What one replica holds as far as a write knows: its copy and cas token (none: a miss), or the failure reading it. */
interface Held {
  conn: ServerConnection
  cas: string | undefined
  rev: Revision | undefined
  failed?: unknown
}

export interface WriterParts {
  readonly placement: Placement<ServerConnection>
  readonly codec: RecordCodec
  readonly counts: StoreCounters
  readonly emit: Emit
  readonly conflictRetries: number
  readonly writeConcern: WriteConcern
  readonly replicas: number
  readonly clock: () => number
  readonly random: () => number
  /** Spans for merges; default none. */
  readonly tracer?: StoreTracer
}

export class ReplicatedWriter {
  constructor (private readonly parts: WriterParts) {}

  /**
   * Read-modify-write under the rule that no write replaces a newer revision
   * on any replica (write-plan.ts). The copy on every replica not marked down
   * is read first (the read's own cas token stands for the replica it came
   * from), the new revision is built on the newest of them, and then stored
   * with `cas` on every replica at once, each on the copy read there. The
   * first replica's `cas` orders concurrent writers. A writer that lost there
   * and took no other replica has left nothing behind: it reads again and
   * asks `next` to merge. A copy that changed meanwhile on any replica where
   * ours stands (a loser that took the second replica, a write of the same
   * order arriving late) is merged in by `reconcile`, never overwritten, and
   * the result stored on every replica. `next` returning undefined drops the
   * write (the record was destroyed, or has expired).
   */
  async write (key: string, known: WriteHint | undefined, next: NextStep): Promise<SessionRecord | undefined> {
    const { placement, codec, conflictRetries } = this.parts
    let hint = known
    for (let attempt = 0; attempt <= conflictRetries; attempt++) {
      const targets = placement.writeTargets(key)
      const held = await this.copiesOn(key, targets, hint)
      const [primary] = held
      // The first replica failed while we read it: it is marked down now and
      // the next one takes its place. The hint stays: when our read came from
      // that next one, its cas token still orders us against any writer since.
      if (primary === undefined || primary.failed !== undefined) continue
      const reachable = held.filter((h) => h.failed === undefined)
      // every copy read, siblings joined (write-plan.ts): storing over a copy the new revision does not include would lose it
      const basedOn = basisOf(reachable.map((h) => h.rev))
      // The hint's data is only needed for a merge, and `next` merges only with
      // a copy newer than the hint's own; so a hint stands in with no data.
      const step = next(basedOn === undefined ? undefined : basedOn.record.data === undefined && basedOn.record.destroyed !== true ? { ...basedOn.record, data: {} } : basedOn.record)
      if (step === undefined) return undefined
      step.record.lineage = lineageOf([basedOn?.record], revisionId(this.parts.random))
      const ours: Revision = { record: step.record, dataText: step.record.data === undefined ? undefined : (step.dataText ?? encodeJson(step.record.data)) }
      const encoded = codec.encode(key, step.record, ours.dataText)
      // Every replica in one round: the first replica's `cas` still orders
      // concurrent writers, and a writer that lost there but took another
      // replica brings every replica to a revision holding both (below).
      const others = reachable.slice(1)
      const [[first], outcomes] = await Promise.all([
        Promise.allSettled<[Promise<string>]>([SAFETY_RULES['first-replica-cas'] ? this.storeOver(key, primary, encoded, step.record.ttlS) : primary.conn.set(key, encoded, step.record.ttlS)]),
        Promise.allSettled(others.map(async (h) => await this.storeOver(key, h, encoded, step.record.ttlS)))
      ])
      const tookOthers = outcomes.some((o) => o.status === 'fulfilled' && o.value === 'stored')
      if (first.status === 'fulfilled' && first.value !== 'stored' && !tookOthers) {
        // someone wrote since our read, and nothing of ours is left on any
        // replica: read again and merge, after a pause
        hint = undefined
        await pause(conflictPauseMs(attempt, this.parts.random()))
        continue
      }
      const changed = [first, ...outcomes].some((o) => o.status === 'fulfilled' && o.value !== 'stored')
      let results: Array<PromiseSettledResult<unknown>> = [first, ...held.filter((h) => h.failed !== undefined).map((h) => ({ status: 'rejected' as const, reason: h.failed })), ...outcomes]
      let final = ours
      if (changed) {
        // A copy changed between our read of it and our store: a rival that
        // took the first replica while we took another (or the reverse), a
        // write arriving late, or a node that writes past the first replica
        // (a partition). Merge what we have not seen, store everywhere.
        // every revision this write has seen: a merge's base is found among them
        const seen = [...reachable.flatMap((h) => h.rev === undefined ? [] : [h.rev]), ours]
        const reconciled = await (this.parts.tracer ?? noTracing).internal('merge', {}, async () => await this.reconcile(key, ours, seen))
        final = reconciled.rev
        results = reconciled.results
      }
      this.requireAcks(key, results, 'write')
      this.parts.counts.writes++
      // a tombstone merged in: the session was destroyed meanwhile, and stays so
      return final.record.destroyed === true && step.record.destroyed !== true ? undefined : final.record
    }
    throw storeError('STK_ERR_CONFLICT', `${key.slice(0, 12)}… changed ${conflictRetries + 1} times while we wrote it`)
  }

  /** `set` on every replica not marked down (a tombstone: it must win whatever is there), judged by the write concern. */
  async overwrite (key: string, record: SessionRecord, what: string): Promise<void> {
    const encoded = this.parts.codec.encode(key, record)
    const targets = this.parts.placement.writeTargets(key)
    const tombstone = record.destroyed !== true || SAFETY_RULES.tombstones
    const results = await Promise.allSettled(targets.map(async (conn) => tombstone ? await conn.set(key, encoded, record.ttlS) : await conn.delete(key)))
    this.requireAcks(key, results, what)
  }

  /**
   * What each target holds now, in target order: a `gets` on each, in
   * parallel, except the replica this request's read came from, whose copy
   * and cas token the hint already holds, and the replicas a read for a
   * write read with it (hint.others). A copy read then and changed since
   * fails its `cas`, as one read now would.
   */
  private async copiesOn (key: string, targets: readonly ServerConnection[], hint: WriteHint | undefined): Promise<Held[]> {
    // one object for the read's revision wherever it is found: basisOf sees at once that the copies are one
    const read = hint === undefined ? undefined : { rev: hintRevision(hint), raw: hint.raw }
    return await Promise.all(targets.map(async (conn): Promise<Held> => {
      if (hint !== undefined && hint.connId === conn.id) return { conn, cas: hint.cas, rev: read?.rev }
      const other = hint?.others?.find((o) => o.connId === conn.id)
      if (other !== undefined) return this.heldFrom(key, conn, other.raw === undefined || other.cas === undefined ? undefined : { value: other.raw, cas: other.cas }, read)
      try {
        return this.heldFrom(key, conn, await conn.gets(key), read)
      } catch (err) {
        return { conn, cas: undefined, rev: undefined, failed: err }
      }
    }))
  }

  private heldFrom (key: string, conn: ServerConnection, item: CasValue | undefined, read?: { rev: Revision, raw: string | undefined }): Held {
    // the same bytes as the copy this request read: the same revision, without decoding it again
    if (item !== undefined && read?.raw !== undefined && item.value === read.raw) return { conn, cas: item.cas, rev: read.rev }
    const decoded = item === undefined ? undefined : this.parts.codec.decode(key, item.value)
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
    seen: Revision[]
  ): Promise<{ rev: Revision, results: Array<PromiseSettledResult<unknown>> }> {
    const { placement, codec, counts, conflictRetries } = this.parts
    let ours = start
    for (let round = 0; round <= conflictRetries; round++) {
      const targets = placement.writeTargets(key)
      const held = await this.copiesOn(key, targets, undefined)
      // in target order: the first replica's copy, the one writers are ordered
      // on, is merged first, so a later write it holds (which includes ours)
      // covers the same write still on its way to the others
      for (const h of held) {
        if (h.failed !== undefined || !SAFETY_RULES['merge-diverged']) continue
        const relation = relationTo(h.rev, ours)
        if (h.rev === undefined || relation === 'holds' || relation === 'covered') continue
        if (relation === 'includes-ours') {
          // another node merged ours in: its revision is ours now
          ours = h.rev
          continue
        }
        ours = mergeDiverged(seen, h.rev, ours, this.parts.clock(), revisionId(this.parts.random, 'merge'))
        seen.push(h.rev, ours)
        counts.conflicts++
        this.parts.emit('conflict', { key })
      }
      const encoded = codec.encode(key, ours.record, ours.dataText)
      const storeOne = async (h: Held): Promise<string> => {
        // the read's own failure (a StoreError from the connection), passed on as it was
        if (h.failed !== undefined) throw h.failed as Error
        if (h.rev !== undefined && sameRevision(h.rev, ours)) return 'stored'
        const outcome = SAFETY_RULES['merge-diverged'] ? await this.storeOver(key, h, encoded, ours.record.ttlS) : await h.conn.set(key, encoded, ours.record.ttlS)
        return outcome
      }
      // The first replica first: it orders the writers that reconcile at
      // once, and one that loses there leaves nothing on the others, so two
      // reconciles do not leave two merges about. A reconcile follows a race
      // or a partition only, so its extra round costs little.
      const [head, ...rest] = held
      const outcomes: Array<PromiseSettledResult<string>> = head === undefined ? [] : await Promise.allSettled([storeOne(head)])
      if (outcomes.every((o) => o.status === 'rejected' || o.value === 'stored')) outcomes.push(...await Promise.allSettled(rest.map(storeOne)))
      if (outcomes.length === held.length && outcomes.every((o) => o.status === 'rejected' || o.value === 'stored')) return { rev: ours, results: outcomes }
      await pause(conflictPauseMs(round, this.parts.random()))
    }
    throw storeError('STK_ERR_CONFLICT', `${key.slice(0, 12)}…'s replicas changed ${conflictRetries + 1} times while we brought them together`)
  }

  private requireAcks (key: string, results: ReadonlyArray<PromiseSettledResult<unknown>>, what: string): void {
    const acks = results.filter((r) => r.status === 'fulfilled').length
    const verdict = judgeAcks(acks, results.length, this.parts.writeConcern, this.parts.replicas)
    if (verdict.failed > 0) {
      this.parts.counts.replicaWriteFailures += verdict.failed
      this.parts.emit('replicaWriteFailed', { key, failed: verdict.failed })
    }
    if (!verdict.ok) {
      const cause: unknown = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason
      throw storeError(verdict.code, `${what} of ${key.slice(0, 12)}… acknowledged by ${acks} of ${results.length}, ${verdict.needed} needed`, cause)
    }
  }
}

/** The revision a request's read saw, as far as a write needs it: the header and the data's text. */
function hintRevision (hint: WriteHint): Revision {
  const record: SessionRecord = { version: hint.version, createdAt: hint.createdAt, writtenAt: hint.writtenAt, ttlS: 0 }
  if (hint.lineage !== undefined) record.lineage = hint.lineage
  if (hint.heads !== undefined) record.heads = hint.heads
  return { record, dataText: hint.dataText }
}

async function pause (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
