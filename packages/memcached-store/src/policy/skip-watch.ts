// When one web node loses its route to a server (a partition) it writes past
// that server, to the other replica only, and the other nodes must stop
// reading that server before such a write is acknowledged: the contract says
// a cart write that returned 2xx is visible on the next request, from any
// node. The skip marker (replication/server-watch.ts, announceSkip) tells them; this is when it
// is put up and how soon the others see it. Pure, with an injected clock.
//
// Timing: a node writes past a server only once it has marked it down, a full
// `timeout` after the server fell silent. It announces the skip at half that
// (`suspect`), and every node looks for markers every quarter of the shortest
// timeout (`watchIntervalMs`), so each has seen the marker, and reads
// elsewhere, a quarter of the timeout before the first write past the server
// can be acknowledged. Found in the chaos run: with markers checked only at
// each probe (1 s), reads on the other nodes missed up to 7 acknowledged
// cart items in the first second of a partition.

/** Announce a skip once a server has owed a reply in silence for this share of its timeout. */
export const SUSPECT_FRACTION = 0.5
/** Look for other nodes' markers this often, as a share of the shortest timeout. */
export const WATCH_FRACTION = 0.25
const MIN_WATCH_MS = 10

export function watchIntervalMs (probeIntervalMs: number, timeoutsMs: readonly number[]): number {
  const shortest = Math.min(...timeoutsMs)
  return Math.max(MIN_WATCH_MS, Math.min(probeIntervalMs, Math.floor(shortest * WATCH_FRACTION)))
}

/** True when a server that is not marked down has been silent long enough to warn the other nodes. */
export function suspect (silentForMs: number, timeoutMs: number): boolean {
  return silentForMs >= timeoutMs * SUSPECT_FRACTION
}

/**
 * A periodic timer's own lateness: when this process's event loop was busy,
 * a server's silence may be replies we have not read yet, so no suspicion is
 * raised on that tick (the command timeouts give such a server grace too).
 */
export class TickClock {
  private last: number | undefined
  constructor (private readonly periodMs: number, private readonly now: () => number = () => performance.now()) {}

  /** Records a tick; true when it came more than a quarter period late. */
  tickRanLate (): boolean {
    const t = this.now()
    const late = this.last !== undefined && t - this.last > this.periodMs * 1.25
    this.last = t
    return late
  }
}
