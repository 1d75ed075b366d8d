import { mock } from 'node:test'

/**
 * A clock for timer tests: setTimeout is mocked (node:test) and `now` follows
 * it, so time moves only when a test ticks it. Call mock.timers.reset() after.
 */
export function mockClock (): {
  now: () => number
  /** Moves the clock and fires the timers due, then lets the promises they settled run. */
  tick: (ms: number) => Promise<void>
  /** The clock moves but the timers do not fire: a loop busy for `ms`. */
  lag: (ms: number) => void
} {
  mock.timers.enable({ apis: ['setTimeout'] })
  let t = 10_000
  return {
    now: () => t,
    tick: async (ms) => {
      t += ms
      mock.timers.tick(ms)
      await new Promise((resolve) => { setImmediate(resolve) })
    },
    lag: (ms) => { t += ms }
  }
}
