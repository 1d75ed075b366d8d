// Which servers hold a key, and in which order a read and a write use them.
// Pure: it looks at the servers' health, never at sockets, so every rule here
// is tested without memcached.
//
// While the pool changes (previousServers), a key has two replica sets: its
// place in the new pool and in the old one. Nodes still on the old list read
// and write the old set alone; so a node that knows both writes to both (so
// the old nodes see its writes) and reads both, taking the newest copy (so it
// sees theirs). The new set comes first: its first replica is where writers
// of the new pool are ordered.
import { storeError } from '../errors.js'
import { replicasFor, type WeightedNode } from './replica-set.js'
import type { ServerState } from './server-health.js'

/** What placement needs to know of a server: who it is and what its health allows. */
export interface PlacedServer extends WeightedNode {
  readonly health: { readonly state: ServerState, readonly readable: boolean, readonly writable: boolean }
}

export class Placement<S extends PlacedServer> {
  /** Every server of both pools, the new pool's first: the ones this node talks to. */
  readonly servers: readonly S[]
  private closed = false

  constructor (
    private readonly pool: readonly S[],
    private readonly replicas: number,
    private readonly previousPool: readonly S[] = [],
    private readonly previousReplicas = Math.min(replicas, previousPool.length)
  ) {
    this.servers = [...pool, ...previousPool.filter((s) => !pool.includes(s))]
  }

  /** True while the pool changes: reads must compare the copies of both placements. */
  get changing (): boolean {
    return this.previousPool.length > 0
  }

  /** After close every placement fails with STK_ERR_CLOSED: nothing is sent by a closed store. */
  close (): void {
    this.closed = true
  }

  /** The key's replica set in the current pool, in placement order (weighted rendezvous hashing), whatever their health. */
  replicasOf (key: string): S[] {
    if (this.closed) throw storeError('STK_ERR_CLOSED', 'the store was closed')
    return replicasFor(this.pool, key, this.replicas)
  }

  /** Every server that may hold the key: its replicas in the current pool, then, while the pool changes, those only the old pool gives it. */
  holdersOf (key: string): S[] {
    const current = this.replicasOf(key)
    if (!this.changing) return current
    return [...current, ...replicasFor(this.previousPool, key, this.previousReplicas).filter((s) => !current.includes(s))]
  }

  /** Where a read goes, in order: up holders first, then recovering ones (possibly not refilled yet). */
  readTargets (key: string): S[] {
    const holders = this.holdersOf(key)
    // the usual case, every holder readable: the holders' own (fresh) list is the order, three copies spared per read
    if (holders.every((s) => s.health.readable)) return holders
    const order = [...holders.filter((s) => s.health.readable), ...holders.filter((s) => s.health.state === 'recovering')]
    if (order.length === 0) throw allDown(key)
    return order
  }

  /**
   * Every holder not marked down, in placement order. The first is where
   * `cas` orders concurrent writers, so it must be the same server on every
   * web node: a recovering server keeps its place (nodes may disagree on
   * whether it is still recovering, never on the order). Only a server
   * marked down gives up its place.
   */
  writeTargets (key: string): S[] {
    const targets = this.holdersOf(key).filter((s) => s.health.writable)
    if (targets.length === 0) throw allDown(key)
    return targets
  }
}

function allDown (key: string): Error {
  return storeError('STK_ERR_STORE_UNAVAILABLE', `every replica of ${key.slice(0, 12)}… is marked down`)
}
