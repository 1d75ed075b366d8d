import { LatencyReservoir } from './latency-reservoir.js'

/** How one attempt on an upstream ended, as the proxy reports it. */
export interface AttemptOutcome {
  /** From sending the request to the end of the response (or to the failure), in ms. */
  readonly latencyMs: number
  /** The upstream's status code, when it answered. */
  readonly statusCode?: number | undefined
  /** The attempt failed: no connection, a reset, a timeout or a broken response. */
  readonly failed: boolean
  /** The request was then sent to another upstream. */
  readonly retried: boolean
  /** The client went away first: neither an error of the upstream nor a latency sample. */
  readonly clientAborted?: boolean | undefined
}

export interface UpstreamCounters {
  /** Attempts started on this upstream (a retried request counts once per upstream tried). */
  readonly requests: number
  /** Attempts started and not yet finished. */
  readonly inFlight: number
  /** Failed attempts plus 5xx answers. */
  readonly errors: number
  /** Failed attempts that were then sent to another upstream. */
  readonly retries: number
  /** Times a connect failure took this upstream out of rotation. */
  readonly ejections: number
  readonly p50Ms: number | undefined
  readonly p99Ms: number | undefined
}

export class UpstreamStats {
  private requests = 0
  private inFlight = 0
  private errors = 0
  private retries = 0
  private ejections = 0
  private readonly latency: LatencyReservoir

  constructor (latencySampleSize: number) {
    this.latency = new LatencyReservoir(latencySampleSize)
  }

  start (): void {
    this.requests += 1
    this.inFlight += 1
  }

  finish (outcome: AttemptOutcome): void {
    this.inFlight = Math.max(0, this.inFlight - 1)
    if (outcome.clientAborted === true) return
    if (outcome.failed || (outcome.statusCode !== undefined && outcome.statusCode >= 500)) this.errors += 1
    if (outcome.retried) this.retries += 1
    // A failed attempt's time says how long the failure took, not how fast the
    // upstream serves, so only answered attempts feed the percentiles.
    if (!outcome.failed) this.latency.record(outcome.latencyMs)
  }

  eject (): void {
    this.ejections += 1
  }

  counters (): UpstreamCounters {
    const [p50Ms, p99Ms] = this.latency.percentiles([50, 99])
    return {
      requests: this.requests,
      inFlight: this.inFlight,
      errors: this.errors,
      retries: this.retries,
      ejections: this.ejections,
      p50Ms,
      p99Ms
    }
  }
}
