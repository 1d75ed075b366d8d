// A token bucket: `burst` messages at once, then `ratePerSecond` on average.
// One per live socket, so one client's flood costs only its own socket.
export class TokenBucket {
  #tokens: number
  #last: number

  constructor (private readonly ratePerSecond: number, private readonly burst: number, private readonly now: () => number = Date.now) {
    this.#tokens = burst
    this.#last = now()
  }

  /** Takes one token; false when none is left. */
  take (): boolean {
    const now = this.now()
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.ratePerSecond)
    this.#last = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
