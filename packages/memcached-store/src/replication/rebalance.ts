// After a change of the pool: every session (and user index) copied to its
// replicas in the new pool, from wherever a copy is, the newest winning. The
// refill's machinery (metadump listing, multi-get batches, add or cas over
// an older copy) does the work; this decides what goes where.
import type { KeySpace } from '../record/keys.js'
import type { Placement } from '../policy/placement.js'
import type { RecordCodec } from '../record/record-codec.js'
import { refill, type RefillReport } from './refill.js'
import type { ServerConnection } from '../connection/server-connection.js'

export interface RebalanceReport {
  /** one refill per server of the new pool that was up */
  readonly servers: readonly RefillReport[]
  /** copies examined, on every source */
  readonly scanned: number
  /** copies written to a new owner that lacked the key or held an older copy */
  readonly copied: number
  /** copies a full server refused */
  readonly refused: number
  readonly ms: number
}

export interface RebalancePlan {
  readonly placement: Placement<ServerConnection>
  readonly pool: readonly ServerConnection[]
  readonly keys: KeySpace
  readonly codec: RecordCodec
  readonly batchSize: number
  readonly concurrency: number
}

export async function rebalance (plan: RebalancePlan): Promise<RebalanceReport> {
  const started = Date.now()
  const { placement, keys } = plan
  const reports: RefillReport[] = []
  for (const target of plan.pool.filter((s) => s.health.writable)) {
    reports.push(await refill({
      target,
      sources: placement.servers.filter((s) => s !== target && s.health.writable),
      belongsOnTarget: (key) => keys.isReplicated(key) && placement.replicasOf(key).includes(target),
      codec: plan.codec,
      batchSize: plan.batchSize,
      concurrency: plan.concurrency,
      everySource: true
    }))
  }
  const sum = (field: 'scanned' | 'copied' | 'refused'): number => reports.reduce((n, r) => n + r[field], 0)
  return { servers: reports, scanned: sum('scanned'), copied: sum('copied'), refused: sum('refused'), ms: Date.now() - started }
}
