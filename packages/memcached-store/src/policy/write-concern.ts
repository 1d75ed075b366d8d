// Whether a write has enough acknowledgements, and how long a writer that
// lost a cas race pauses before it tries again. Pure.

/** How many replicas must take a write: a count, all of them, a majority, or any one that answers. */
export type WriteConcern = number | 'all' | 'majority' | 'available'

/** Acks a write needs, given the size of the replica set. */
export function requiredAcks (concern: WriteConcern, replicaCount: number): number {
  if (concern === 'all') return replicaCount
  if (concern === 'majority') return Math.floor(replicaCount / 2) + 1
  if (concern === 'available') return 1
  return Math.min(concern, replicaCount)
}

export type AckVerdict =
  | { readonly ok: true, readonly acks: number, readonly failed: number }
  | { readonly ok: false, readonly acks: number, readonly failed: number, readonly needed: number, readonly code: 'STK_ERR_STORE_UNAVAILABLE' | 'STK_ERR_WRITE_CONCERN' }

/**
 * `acks` of `sent` replicas took the write. The concern counts the whole
 * replica set (`replicas`), up or not; no acknowledgement at all means the
 * store is unavailable, some but too few a write-concern failure.
 */
export function judgeAcks (acks: number, sent: number, concern: WriteConcern, replicas: number): AckVerdict {
  const failed = sent - acks
  const needed = requiredAcks(concern, replicas)
  if (acks >= needed) return { ok: true, acks, failed }
  return { ok: false, acks, failed, needed, code: acks === 0 ? 'STK_ERR_STORE_UNAVAILABLE' : 'STK_ERR_WRITE_CONCERN' }
}

/**
 * The pause after losing cas round `attempt` (0-based): jittered and
 * growing, at most 50 ms, so a crowd of writers to one session does not
 * collide in step. `random` is a uniform draw in [0, 1).
 */
export function conflictPauseMs (attempt: number, random: number): number {
  return random * Math.min(50, 2 ** attempt)
}
