// Which servers hold a key, and in which order a read and a write use them.
// Pure: it looks at the servers' health, never at sockets, so every rule here
// is tested without memcached.
import { storeError } from './errors.js'
import { replicasFor, type WeightedNode } from './replica-set.js'
import type { ServerState } from './server-health.js'

/** What placement needs to know of a server: who it is and what its health allows. */
export interface PlacedServer extends WeightedNode {
  readonly health: { readonly state: ServerState, readonly readable: boolean, readonly writable: boolean }
}

export class Placement<S extends PlacedServer> {
  private closed = false

  constructor (readonly servers: readonly S[], private readonly replicas: number) {}

  /** After close every placement fails with STK_ERR_CLOSED: nothing is sent by a closed store. */
  close (): void {
    this.closed = true
  }

  /** The key's replica set in placement order (weighted rendezvous hashing), whatever their health. */
  replicasOf (key: string): S[] {
    if (this.closed) throw storeError('STK_ERR_CLOSED', 'the store was closed')
    return replicasFor(this.servers, key, this.replicas)
  }

  /** Where a read goes, in order: up replicas first, then recovering ones (possibly not refilled yet). */
  readTargets (key: string): S[] {
    const replicas = this.replicasOf(key)
    const order = [...replicas.filter((s) => s.health.readable), ...replicas.filter((s) => s.health.state === 'recovering')]
    if (order.length === 0) throw allDown(key)
    return order
  }

  /**
   * Every replica not marked down, in placement order. The first is where
   * `cas` orders concurrent writers, so it must be the same server on every
   * web node: a recovering server keeps its place (nodes may disagree on
   * whether it is still recovering, never on the order). Only a server
   * marked down gives up its place.
   */
  writeTargets (key: string): S[] {
    const targets = this.writableReplicas(key)
    if (targets.length === 0) throw allDown(key)
    return targets
  }

  /** The replicas not marked down, in placement order (writeTargets without its "none left" error). */
  writableReplicas (key: string): S[] {
    return this.replicasOf(key).filter((s) => s.health.writable)
  }
}

function allDown (key: string): Error {
  return storeError('STK_ERR_STORE_UNAVAILABLE', `every replica of ${key.slice(0, 12)}… is marked down`)
}
