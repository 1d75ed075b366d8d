// The hedged read's watch on one server: the reads waiting to hear whether
// the server has fallen silent share one timer, instead of a timer each.
// Whether a server is silent is a fact about the server (silence.ts), not
// about one read, so every read watching it is told at the same moment; the
// timer only says when to look. Under load a multi-get carries a few dozen
// reads, and a timer set and cleared for each was a visible cost of a
// signed-in read in the store's profile.
import type { Silence } from '../policy/silence.js'

/** What a watch answers for a server that has said nothing for too long. */
export const SILENT: unique symbol = Symbol('silent')

/**
 * A timer that fires more than a quarter of its period late means this
 * process's own event loop was busy: a reply may be waiting, unread, in the
 * socket, so the server is not to blame for the silence.
 */
export function ranLate (now: number, dueAt: number, periodMs: number): boolean {
  return now - dueAt > periodMs / 4
}

type Watcher = () => void

export class HedgeWatch {
  private readonly watchers = new Set<Watcher>()
  private timer: NodeJS.Timeout | undefined
  private dueAt = 0

  constructor (private readonly silence: Silence, private readonly silentMs: number, private readonly now: () => number = () => performance.now()) {}

  /**
   * `pending`, or SILENT once the server has said nothing at all for
   * `silentMs` while it owed a reply (see ServerConnection.untilSilent).
   */
  race<T> (pending: Promise<T>): Promise<T | typeof SILENT> {
    return new Promise((resolve, reject) => {
      const watcher: Watcher = () => { resolve(SILENT) }
      this.watchers.add(watcher)
      if (this.timer === undefined) this.lookAgain(this.now(), this.silence.silentSince(), false)
      pending.then((value) => {
        this.unwatch(watcher)
        resolve(value)
      }, (err: Error) => {
        this.unwatch(watcher)
        reject(err)
      })
    })
  }

  private check (): void {
    const now = this.now()
    const late = ranLate(now, this.dueAt, this.silentMs)
    const silentSince = this.silence.silentSince()
    if (!late && silentSince !== undefined && now - silentSince >= this.silentMs) {
      this.timer = undefined
      const told = [...this.watchers]
      this.watchers.clear()
      for (const tell of told) tell()
      return
    }
    this.lookAgain(now, silentSince, late)
  }

  /**
   * The next look: when the silence under way reaches `silentMs`, else (no
   * silence, or a look that ran late) `silentMs` from now.
   */
  private lookAgain (now: number, silentSince: number | undefined, late: boolean): void {
    this.dueAt = late || silentSince === undefined ? now + this.silentMs : Math.max(now, silentSince + this.silentMs)
    this.timer = setTimeout(() => { this.check() }, this.dueAt - now)
  }

  private unwatch (watcher: Watcher): void {
    this.watchers.delete(watcher)
    if (this.watchers.size === 0 && this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
  }
}
