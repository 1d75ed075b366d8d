// Bounded waiting: every loop ends, by count and by time, and says what it
// waited for when it gives up.
//
// One contract for every poll in the repository: the tests, the benchmarks
// and the local cluster's readiness waits (scripts/src/cluster) all use it:
// - `check` answers `undefined` or `false` for "not yet";
// - any other value ends the wait and is returned;
// - a throw ends the wait at once and is rethrown as it is: it means "this
//   will not come true", never "not yet". A check that can fail on the way
//   (a node that is restarting refuses connections) says so itself, with a
//   try/catch or `.catch(() => undefined)`;
// - when the time is up: a WaitTimeoutError naming `what`;
// - an aborted `signal` ends the wait with its reason.
import { setTimeout as sleep } from 'node:timers/promises'

export { sleep }

export interface PollOptions {
  /** Give up after this long. */
  readonly timeoutMs: number
  /** Pause between attempts. Default 25 ms. */
  readonly intervalMs?: number
  /** Said in the error when the time runs out. */
  readonly what: string
  /** Lets a caller end the wait early (a process died, the cluster is stopping). */
  readonly signal?: AbortSignal
}

/** The time ran out before the check said yes. */
export class WaitTimeoutError extends Error {
  constructor (what: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`)
    this.name = 'WaitTimeoutError'
  }
}

/**
 * Calls `check` until it returns a value other than undefined or false, and
 * returns that value. A throw from `check` ends the wait with that error.
 */
export async function pollUntil<T> (check: () => Promise<T | undefined | false> | T | undefined | false, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  const intervalMs = options.intervalMs ?? 25
  const maxAttempts = Math.ceil(options.timeoutMs / Math.max(1, intervalMs)) + 1
  for (let attempt = 0; attempt < maxAttempts && Date.now() <= deadline; attempt++) {
    options.signal?.throwIfAborted()
    const value = await check()
    if (value !== undefined && value !== false) return value
    // an abort during the pause ends the wait with the signal's reason, not timers' AbortError
    await sleep(intervalMs, undefined, { signal: options.signal }).catch((err: unknown) => {
      options.signal?.throwIfAborted()
      throw err
    })
  }
  throw new WaitTimeoutError(options.what, options.timeoutMs)
}

/**
 * pollUntil for a yes/no check, with positional arguments: resolves once
 * `check` says true. The store's and the LB's tests call it this way.
 */
export async function waitFor (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000, intervalMs = 20): Promise<void> {
  await pollUntil(check, { what, timeoutMs, intervalMs })
}
