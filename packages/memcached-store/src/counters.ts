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
  /** Rebalances finished after a change of the pool, and the copies they wrote to the new owners. */
  rebalances: number
  rebalancedKeys: number
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

export function newCounters (): StoreCounters {
  return {
    hits: 0,
    misses: 0,
    readRepairs: 0,
    failovers: 0,
    hedgedReads: 0,
    replicaWriteFailures: 0,
    refills: 0,
    refilledKeys: 0,
    rebalances: 0,
    rebalancedKeys: 0,
    conflicts: 0,
    writes: 0,
    skippedWrites: 0,
    touches: 0,
    destroys: 0,
    rejectedValues: 0,
    serverDowns: 0,
    refusedItems: 0,
    boundedWaits: 0
  }
}

/** The store's events, with what each carries; the store is their EventEmitter. */
export interface StoreEvents {
  conflict: { key: string }
  readRepair: { key: string, server: string }
  replicaWriteFailed: { key: string, failed: number }
  serverDown: { server: string, reason: string }
  serverRecovering: { server: string }
  serverUp: { server: string }
  refill: object
  rebalance: object
}

export type Emit = <E extends keyof StoreEvents>(event: E, payload: StoreEvents[E]) => void
