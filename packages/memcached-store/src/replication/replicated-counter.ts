// A replicated fixed-window counter: what the web nodes' login limiter counts
// failures with, across nodes. It lives here because it needs the store's
// placement and connections, not its session rules: every replica counts on
// its own (`incr`), and the first replica in placement order that answers
// gives the count. Not the highest: each memcached ticks its whole seconds
// at its own phase, so replicas' windows end up to a second apart, and a
// count taken as the highest would let a replica whose window has not ended
// keep the limit on while the other's new window begins, and so on in turn,
// for as long as attempts keep coming.
import { storeError } from '../errors.js'
import type { KeySpace } from '../record/keys.js'
import type { Placement } from '../policy/placement.js'
import type { ServerConnection } from '../connection/server-connection.js'

export class ReplicatedCounter {
  constructor (private readonly placement: Placement<ServerConnection>, private readonly keys: KeySpace) {}

  /** Counts one hit in the window `windowMs` (which starts at the first hit); the count after it. */
  async hit (name: string, windowMs: number): Promise<number> {
    const key = this.keys.counter(name)
    const ttlS = Math.max(1, Math.ceil(windowMs / 1000))
    const targets = this.placement.writeTargets(key)
    const results = await Promise.allSettled(targets.map(async (conn) => {
      const n = await conn.incr(key, 1)
      if (n !== undefined) return n
      if (await conn.add(key, '1', ttlS) === 'stored') return 1
      return (await conn.incr(key, 1)) ?? 1
    }))
    const counts = results.flatMap((r) => r.status === 'fulfilled' ? [r.value] : [])
    const [count] = counts
    if (count === undefined) throw storeError('STK_ERR_STORE_UNAVAILABLE', `no replica of counter ${name} answered`)
    return count
  }

  /** The current count, 0 when there is none. */
  async peek (name: string): Promise<number> {
    const key = this.keys.counter(name)
    const targets = this.placement.writeTargets(key)
    const results = await Promise.allSettled(targets.map((conn) => conn.gets(key)))
    const ok = results.flatMap((r) => r.status === 'fulfilled' ? [r.value] : [])
    if (ok.length === 0) throw storeError('STK_ERR_STORE_UNAVAILABLE', `no replica of counter ${name} answered`)
    const [first] = ok
    return first === undefined ? 0 : Number(first.value) || 0
  }
}
