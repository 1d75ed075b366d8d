/**
 * Where an upstream stands, as the status page shows it:
 * - healthy: in rotation;
 * - ejected: healthy by its active checks, but a recent connect failure keeps it out until
 *   the ejection time passes or an active check passes;
 * - draining: its /healthz answered 503, so it finishes what it holds and gets nothing new;
 * - unhealthy: its active checks failed `unhealthyThreshold` times in a row.
 */
export type UpstreamState = 'healthy' | 'ejected' | 'draining' | 'unhealthy'

/** The outcome of one active check: 2xx, a 503 ("I am draining"), anything else or no answer. */
export type CheckResult = 'pass' | 'draining' | 'fail'

export interface HealthStateOptions {
  readonly healthyThreshold: number
  readonly unhealthyThreshold: number
  readonly ejectionTimeMs: number
  readonly startHealthy: boolean
}

export interface LastCheck {
  readonly result: CheckResult
  readonly atMs: number
}

/** The health of one upstream. Pure: every method takes the time it happens at. */
export class HealthState {
  // What the active checks say; passive ejection is kept apart so that it can
  // expire on its own without touching the check streaks.
  private checked: 'healthy' | 'draining' | 'unhealthy'
  private passStreak = 0
  private failStreak = 0
  private ejectedUntilMs = 0
  private last: LastCheck | undefined

  constructor (private readonly options: HealthStateOptions) {
    this.checked = options.startHealthy ? 'healthy' : 'unhealthy'
  }

  state (nowMs: number): UpstreamState {
    if (this.checked !== 'healthy') return this.checked
    return nowMs < this.ejectedUntilMs ? 'ejected' : 'healthy'
  }

  isAvailable (nowMs: number): boolean {
    return this.state(nowMs) === 'healthy'
  }

  get lastCheck (): LastCheck | undefined {
    return this.last
  }

  get ejectedUntil (): number {
    return this.ejectedUntilMs
  }

  recordCheck (result: CheckResult, nowMs: number): void {
    this.last = { result, atMs: nowMs }
    if (result === 'draining') {
      // A node that says it drains is taken out at once: it asked to be.
      this.checked = 'draining'
      this.passStreak = 0
      this.failStreak = 0
      return
    }
    if (result === 'pass') {
      this.failStreak = 0
      this.passStreak += 1
      // The node answered a fresh connection just now, so a connect failure
      // seen before is stale: rejoin without waiting for the ejection to expire.
      this.ejectedUntilMs = 0
      if (this.checked !== 'healthy' && this.passStreak >= this.options.healthyThreshold) this.checked = 'healthy'
      return
    }
    this.passStreak = 0
    this.failStreak += 1
    if (this.checked !== 'unhealthy' && this.failStreak >= this.options.unhealthyThreshold) this.checked = 'unhealthy'
  }

  /** A request could not connect: keep the upstream out for the ejection time. */
  recordConnectFailure (nowMs: number): void {
    this.ejectedUntilMs = nowMs + this.options.ejectionTimeMs
  }
}
