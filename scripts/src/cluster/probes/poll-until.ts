// The cluster's own bounded wait. It keeps the contract of
// @stickless/test-support's pollUntil, the poll every test and benchmark
// uses, which runtime code does not import (`npm start` needs no test
// package); scripts/test/poll-until.test.ts runs both through the same cases:
// - `check` answers `undefined` or `false` for "not yet";
// - any other value ends the wait and is returned;
// - a throw ends the wait at once and is rethrown as it is: it means "this
//   will not come true" (the process exited, the rebalance failed), never
//   "not yet". The cluster's probes (probeHttp, memcachedVersion) answer
//   undefined instead of throwing, so a process on its way up is "not yet";
// - when the time is up: a WaitTimeoutError naming `what`.
// Here also: an aborted `signal` ends the wait with its reason.
import { setTimeout as sleep } from 'node:timers/promises'

export interface PollOptions {
  /** Give up after this long. */
  timeoutMs: number
  /** Pause between attempts. Default 100 ms. */
  intervalMs?: number
  /** Names what is awaited, for the timeout message. */
  what: string
  /** Lets a caller end the wait early (a process died, the cluster is stopping). */
  signal?: AbortSignal
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
  const intervalMs = options.intervalMs ?? 100
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    options.signal?.throwIfAborted()
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() >= deadline) throw new WaitTimeoutError(options.what, options.timeoutMs)
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())), undefined, { signal: options.signal })
  }
}
