/**
 * A clock for code that takes one (the store's `clock` option): it stands
 * still until a test moves it, so lifetimes are judged on it, not waited out.
 */
export class TestClock {
  private nowMs: number

  constructor (startMs = Date.now()) {
    this.nowMs = startMs
  }

  /** ms since the epoch; bound, so it can be handed over as a function */
  readonly now = (): number => this.nowMs

  advance (ms: number): void {
    this.nowMs += ms
  }
}
