import type { RecordCodec } from '../record/record-codec.js'
import { revisionOf, supersedes } from '../policy/write-plan.js'
import type { ServerConnection, StoreOutcome } from '../connection/server-connection.js'
import { isItemRefused } from '../errors.js'
import { MAX_RELATIVE_TTL_S } from '../record/session-record.js'

export interface RefillPlan {
  target: ServerConnection
  sources: readonly ServerConnection[]
  /** true when the key is ours to copy and `target` is one of its replicas */
  belongsOnTarget: (key: string) => boolean
  /**
   * true when `source` is one of the key's holders, whose copy may be taken.
   * After the pool grows, a server that has stopped being one of a key's
   * replicas keeps its last copy until it expires, and nobody updates it:
   * taking that copy would put an old revision on the target (a schedule in
   * sim/regressions.json shows it). Default: any.
   */
  sourceHolds?: (source: ServerConnection, key: string) => boolean
  codec: RecordCodec
  batchSize: number
  concurrency: number
  /**
   * Offer the target every source's copy, not just the first source's that
   * lists a key: the newest wins (cas over an older one). A rebalance needs
   * it, since a source's copy may be older than another's (placement.ts);
   * a refill's peers hold the same revisions, so one copy is enough there.
   */
  everySource?: boolean
}

export interface RefillReport {
  target: string
  scanned: number
  copied: number
  /** keys the target had no memory for: they stay on the peers only */
  refused: number
  ms: number
}

// A server that comes back empty (or stale, after a freeze) gets every key it
// should hold copied from its peers, so a later failure of a peer logs nobody
// out. Keys come from `lru_crawler metadump`; values move in multi-get batches.
// A copy never overwrites a newer value: missing keys are written with `add`,
// older ones with `cas` on the version just read, and a write that races us
// simply wins.
export async function refill (plan: RefillPlan): Promise<RefillReport> {
  const started = Date.now()
  const { target, codec } = plan
  let scanned = 0
  let copied = 0
  let refused = 0
  // A full target refuses some copies; the rest of the refill goes on, and
  // reads of those keys fall through to the peers as after an eviction.
  const copy = async (write: Promise<StoreOutcome>): Promise<void> => {
    try {
      if (await write === 'stored') copied++
    } catch (err) {
      if (!isItemRefused(err)) throw err
      refused++
    }
  }
  const seen = new Set<string>()
  for (const source of plan.sources) {
    const entries = (await source.listKeys()).filter((e) => !seen.has(e.key) && plan.belongsOnTarget(e.key) && (plan.sourceHolds?.(source, e.key) ?? true))
    for (const e of entries) if (plan.everySource !== true) seen.add(e.key)
    scanned += entries.length
    const expByKey = new Map(entries.map((e) => [e.key, e.exp]))
    const batches: string[][] = []
    for (let i = 0; i < entries.length; i += plan.batchSize) batches.push(entries.slice(i, i + plan.batchSize).map((e) => e.key))
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++] as string[]
        const [fromSource, onTarget] = await Promise.all([source.getsMany(batch), target.getsMany(batch)])
        const nowS = Math.floor(Date.now() / 1000)
        await Promise.all(batch.map(async (key) => {
          const src = fromSource.get(key)
          if (src === undefined) return
          const exp = expByKey.get(key) ?? -1
          const ttlS = exp < 0 ? 0 : Math.min(exp - nowS, MAX_RELATIVE_TTL_S)
          if (exp >= 0 && ttlS <= 0) return
          const have = onTarget.get(key)
          if (have === undefined) {
            await copy(target.add(key, src.value, ttlS))
            return
          }
          const a = codec.decode(key, src.value)
          const b = codec.decode(key, have.value)
          // over a copy the source's includes, never over a sibling: the next write joins those
          if (a !== undefined && (b === undefined || supersedes(revisionOf(a), revisionOf(b)))) {
            await copy(target.cas(key, src.value, ttlS, have.cas))
          }
        }))
      }
    }
    await Promise.all(Array.from({ length: Math.min(plan.concurrency, batches.length) }, worker))
  }
  return { target: target.id, scanned, copied, refused, ms: Date.now() - started }
}
