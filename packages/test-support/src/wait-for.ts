// Bounded waiting: every loop ends, by count and by time, and says what it
// waited for when it gives up.
import { setTimeout as sleep } from 'node:timers/promises'

export { sleep }

export interface PollOptions {
  /** Give up after this long. */
  readonly timeoutMs: number
  /** Pause between attempts. Default 25 ms. */
  readonly intervalMs?: number
  /** Said in the error when the time runs out. */
  readonly what: string
}

/**
 * Calls `check` until it returns a value other than undefined, and returns
 * that. Errors thrown by `check` count as "not yet" and the last one is
 * reported when the time is up.
 */
export async function pollUntil<T> (check: () => Promise<T | undefined> | T | undefined, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  const intervalMs = options.intervalMs ?? 25
  const maxAttempts = Math.ceil(options.timeoutMs / Math.max(1, intervalMs)) + 1
  let last: unknown
  for (let attempt = 0; attempt < maxAttempts && Date.now() <= deadline; attempt++) {
    try {
      const value = await check()
      if (value !== undefined) return value
      last = undefined
    } catch (err) {
      last = err
    }
    await sleep(intervalMs)
  }
  const why = last instanceof Error ? `; last error: ${last.message}` : ''
  throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${why}`)
}

/** pollUntil for a yes/no check: resolves once `check` says true. */
export async function waitFor (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000, intervalMs = 20): Promise<void> {
  await pollUntil(async () => (await check()) ? true : undefined, { what, timeoutMs, intervalMs })
}
