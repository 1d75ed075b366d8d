// Simulated time for a whole process. The store's code reads time and sets
// timers through the globals (performance.now, Date.now, setTimeout,
// setInterval, setImmediate), so the simulation replaces those globals with
// this clock's: nothing happens until the clock fires it, at the simulated
// moment it is due, and events due at the same moment run in an order the
// seed chooses. Between two events the real event loop turns once
// (the real setImmediate), so every promise the last event settled runs to
// completion first, as in Node, where microtasks drain between timers.
// Nothing else may do real I/O in a simulating process.
import type { Prng } from './prng.js'
import { requestContext } from './request-context.js'

interface SimTimer {
  id: number
  at: number
  /** the seed's tie-break among events due at the same moment */
  rank: number
  run: () => void
  repeatMs: number | undefined
  cancelled: boolean
}

/** What a fake timer handle must answer: Node code calls unref/ref/hasRef on it. */
class TimerHandle {
  constructor (readonly timer: SimTimer) {}
  unref (): this { return this }
  ref (): this { return this }
  hasRef (): boolean { return true }
  refresh (): this { return this }
  [Symbol.toPrimitive] (): number { return this.timer.id }
}

/** The real globals, kept before installing and restored by uninstall. */
const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  performanceNow: performance.now.bind(performance),
  dateNow: Date.now
}

/** Resolves once the real event loop has turned: every microtask queued so far has run. */
function drain (): Promise<void> {
  return new Promise((resolve) => { real.setImmediate(resolve) })
}

export class SimClock {
  /** simulated milliseconds since the run began */
  now = 0
  /** the wall-clock epoch the run pretends to start at (Date.now) */
  readonly epochMs: number
  private readonly queue: SimTimer[] = []
  private nextId = 1
  private installed = false

  constructor (private readonly prng: Prng, epochMs = Date.UTC(2026, 0, 1)) {
    this.epochMs = epochMs
  }

  /** Milliseconds since the epoch, as Date.now. */
  wallNow (): number {
    return this.epochMs + this.now
  }

  /** Schedules `fn` `delayMs` from now (0: at this moment, after what is already due now). */
  schedule (delayMs: number, fn: () => void, repeatMs?: number): SimTimer {
    const timer: SimTimer = {
      id: this.nextId++,
      at: this.now + Math.max(0, Number.isFinite(delayMs) ? delayMs : 0),
      rank: this.prng.next(),
      run: this.inContext(fn),
      repeatMs,
      cancelled: false
    }
    this.push(timer)
    return timer
  }

  /**
   * `fn` in the request context of whoever set the timer, as Node's own timers
   * keep async context (requestContext alone: AsyncResource.bind costs a
   * tenth of a run in a profile).
   */
  private inContext (fn: () => void): () => void {
    const request = requestContext.getStore()
    return request === undefined ? fn : () => { requestContext.run(request, fn) }
  }

  private push (timer: SimTimer): void {
    // a sorted array, earliest last, so the next event pops off the end
    let lo = 0
    let hi = this.queue.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const q = this.queue[mid] as SimTimer
      if (q.at > timer.at || (q.at === timer.at && q.rank > timer.rank)) lo = mid + 1
      else hi = mid
    }
    this.queue.splice(lo, 0, timer)
  }

  /** Replaces the timer and clock globals with this clock's. */
  install (): void {
    if (this.installed) return
    this.installed = true
    const g = globalThis as unknown as Record<string, unknown>
    const handle = (t: SimTimer): TimerHandle => new TimerHandle(t)
    const cancel = (h: unknown): void => { if (h instanceof TimerHandle) h.timer.cancelled = true }
    g.setTimeout = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => handle(this.schedule(ms ?? 0, () => { fn(...args) }))
    g.setInterval = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => handle(this.schedule(Math.max(1, ms ?? 1), () => { fn(...args) }, Math.max(1, ms ?? 1)))
    g.setImmediate = (fn: (...args: unknown[]) => void, ...args: unknown[]) => handle(this.schedule(0, () => { fn(...args) }))
    g.clearTimeout = cancel
    g.clearInterval = cancel
    g.clearImmediate = cancel
    performance.now = () => this.now
    Date.now = () => this.wallNow()
  }

  uninstall (): void {
    if (!this.installed) return
    this.installed = false
    const g = globalThis as unknown as Record<string, unknown>
    g.setTimeout = real.setTimeout
    g.clearTimeout = real.clearTimeout
    g.setInterval = real.setInterval
    g.clearInterval = real.clearInterval
    g.setImmediate = real.setImmediate
    g.clearImmediate = real.clearImmediate
    performance.now = real.performanceNow
    Date.now = real.dateNow
  }

  /**
   * Runs events in order until `done()` holds or simulated time passes
   * `untilMs`. Returns the number of events run.
   */
  async run (done: () => boolean, untilMs: number): Promise<number> {
    let events = 0
    await drain()
    while (!done()) {
      const timer = this.queue.pop()
      if (timer === undefined || timer.at > untilMs) {
        if (timer !== undefined) this.queue.push(timer)
        this.now = Math.max(this.now, untilMs)
        break
      }
      if (timer.cancelled) continue
      this.now = timer.at
      if (timer.repeatMs !== undefined) {
        timer.at = this.now + timer.repeatMs
        timer.rank = this.prng.next()
        this.push(timer)
      }
      events++
      timer.run()
      await drain()
    }
    return events
  }
}
