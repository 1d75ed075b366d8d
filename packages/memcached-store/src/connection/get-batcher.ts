import type { CasValue } from './command-channel.js'
import { SILENT, type HedgeWatch } from './hedge-watch.js'

/**
 * What a hedged get answers when its server has said nothing for the hedge's
 * time while it owed a reply: the read moves on to the next replica, and may
 * still come back for this one's answer.
 */
export class Silenced {
  constructor (readonly pending: Promise<CasValue | undefined>) {}
}

interface Waiter {
  readonly resolve: (value: CasValue | undefined | Silenced) => void
  readonly reject: (err: unknown) => void
  /** a hedged get's silence to wait for; 0 when not hedged */
  readonly silentMs: number
}

// Each memcached command costs a socket write, and in a profile of signed-in
// reads that write was the largest single cost. Gets asked for in one turn of
// the event loop go out as one multi-key `gets`. The flush runs on
// setImmediate, after the whole poll phase: every request whose bytes arrived
// in that phase (one per client socket that was ready) joins the batch, not
// only those of one socket's callback, as process.nextTick would give.
// Measured on one node under 50 connections: 112 -> 86 µs of CPU per
// signed-in read (bench/src/node-quick.ts).
//
// A hedged get is watched with its batch: one watch of the server per
// multi-get, not one per read, and its caller is told through the same
// promise, so a hedged read costs no promise, timer or watcher of its own.
export class GetBatcher {
  private pending = new Map<string, Waiter[]>()
  /** The hedges asked for by the gets of the batch being gathered (in practice none or one). */
  private hedges: number[] = []
  private scheduled = false

  constructor (
    private readonly fetch: (keys: string[]) => Promise<ReadonlyMap<string, CasValue>>,
    private readonly watchOf: (silentMs: number) => HedgeWatch
  ) {}

  /**
   * One key's value and cas token, sent with the other gets of this turn.
   * Given `silentMs`, answers Silenced instead once the server has said
   * nothing for that long while it owed a reply (HedgeWatch).
   */
  get (key: string, silentMs = 0): Promise<CasValue | undefined | Silenced> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, silentMs }
      const waiters = this.pending.get(key)
      if (waiters === undefined) this.pending.set(key, [waiter])
      else waiters.push(waiter)
      if (silentMs > 0 && !this.hedges.includes(silentMs)) this.hedges.push(silentMs)
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => { this.flush() })
      }
    })
  }

  private flush (): void {
    const batch = this.pending
    const hedges = this.hedges
    this.pending = new Map()
    this.hedges = []
    this.scheduled = false
    const fetched = this.fetch([...batch.keys()])
    fetched.then((found) => {
      // a get already told Silenced has its answer: resolving it again does nothing
      for (const [key, waiters] of batch) {
        const item = found.get(key)
        for (const w of waiters) w.resolve(item)
      }
    }, (err: unknown) => {
      for (const waiters of batch.values()) {
        for (const w of waiters) w.reject(err)
      }
    })
    for (const silentMs of hedges) {
      // registered after the answer's own callbacks: an answer that comes first reaches every get before this
      this.watchOf(silentMs).race(fetched).then((answer) => {
        if (answer === SILENT) this.tellSilenced(batch, fetched, silentMs)
      }, ignore)
    }
  }

  private tellSilenced (batch: ReadonlyMap<string, Waiter[]>, fetched: Promise<ReadonlyMap<string, CasValue>>, silentMs: number): void {
    for (const [key, waiters] of batch) {
      let later: Promise<CasValue | undefined> | undefined
      for (const w of waiters) {
        if (w.silentMs !== silentMs) continue
        if (later === undefined) {
          later = fetched.then((found) => found.get(key))
          // its caller may never come back for it: a failure here is the server's, counted where the command failed
          later.catch(ignore)
        }
        w.resolve(new Silenced(later))
      }
    }
  }
}

function ignore (): void {}
