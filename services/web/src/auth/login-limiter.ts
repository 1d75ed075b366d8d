// Counts failed logins per user and per address in the shared store, so the
// limit holds whichever node a guess lands on. Each counter's window is its
// lifetime in memcached, ended by the clock of the server that holds it, so
// the user's and the address's windows end up to a second apart: a guess
// between the two ends counts in one new window while the other still
// limits, and a steady stream of guesses stays limited until it pauses.
import { createHash } from 'node:crypto'
import type { WebSessionStore } from '../session-store.js'

export interface LoginLimiterOptions {
  /** Failures allowed in one window before further attempts get 429. Default 10. */
  readonly maxFailures?: number
  /** Length of the fixed counting window. Default 15 min. */
  readonly windowMs?: number
}

export interface FailureVerdict {
  /** True once the user or the address is past maxFailures in this window. */
  readonly limited: boolean
  readonly userFailures: number
  readonly addressFailures: number
}

export const defaultMaxFailures = 10
export const defaultWindowMs = 15 * 60 * 1000 // 15 min

// Counter names go into memcached keys, which allow no spaces or control
// characters and at most 250 bytes; a digest of the name is always safe, and a
// username (even one that does not exist) never appears in the store.
function counterName (kind: 'user' | 'addr', value: string): string {
  const digest = createHash('sha256').update(value).digest('base64url').slice(0, 27)
  return `login-fail:${kind}:${digest}`
}

export class LoginLimiter {
  readonly maxFailures: number
  readonly windowMs: number
  readonly #store: Pick<WebSessionStore, 'hit' | 'peek'>

  constructor (store: Pick<WebSessionStore, 'hit' | 'peek'>, options: LoginLimiterOptions = {}) {
    this.#store = store
    this.maxFailures = options.maxFailures ?? defaultMaxFailures
    this.windowMs = options.windowMs ?? defaultWindowMs
  }

  /**
   * Records one wrong-credential attempt and says whether it is past the
   * limit: the 11th failure within a window is the first to be limited.
   * Rejects when the store cannot count (the caller answers 503, failing
   * closed: an uncounted guess would be an unlimited one).
   */
  async recordFailure (username: string, address: string): Promise<FailureVerdict> {
    const [userFailures, addressFailures] = await Promise.all([
      this.#store.hit(counterName('user', username.toLowerCase()), this.windowMs),
      this.#store.hit(counterName('addr', address), this.windowMs)
    ])
    return {
      limited: userFailures > this.maxFailures || addressFailures > this.maxFailures,
      userFailures,
      addressFailures
    }
  }

  /** Failures so far in the current window, for the user and for the address. */
  async failures (username: string, address: string): Promise<{ user: number, address: number }> {
    const [user, addr] = await Promise.all([
      this.#store.peek(counterName('user', username.toLowerCase())),
      this.#store.peek(counterName('addr', address))
    ])
    return { user, address: addr }
  }
}
