import { setTimeout as sleep } from 'node:timers/promises'

export interface WaitUntilOptions {
  /** Give up after this long. */
  timeoutMs: number
  /** Pause between attempts. Default 100 ms. */
  intervalMs?: number
  /** Names what is awaited, for the timeout message. */
  what: string
  /** Lets a caller end the wait early (a process died, the cluster is stopping). */
  signal?: AbortSignal
}

/**
 * Calls `check` until it returns true, throws, or the time is up. A check that
 * throws ends the wait at once: it means "this will never become true".
 */
export async function waitUntil (check: () => Promise<boolean> | boolean, options: WaitUntilOptions): Promise<void> {
  const intervalMs = options.intervalMs ?? 100
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    options.signal?.throwIfAborted()
    if (await check()) return
    if (Date.now() >= deadline) throw new WaitTimeoutError(options.what, options.timeoutMs)
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())), undefined, { signal: options.signal })
  }
}

export class WaitTimeoutError extends Error {
  constructor (what: string, timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`)
    this.name = 'WaitTimeoutError'
  }
}
