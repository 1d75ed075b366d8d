import type { AttemptOutcome, UpstreamState } from '@stickless/balancer'
import type { ObservedUpstream } from './observed-upstream.js'

export interface TrafficHistoryOptions {
  /** Samples kept per upstream, oldest dropped first. Default 300: five minutes at one a second. */
  readonly capacity?: number
  /** How often the owner calls sample(); only reported, the history keeps no timer. Default 1000 ms. */
  readonly intervalMs?: number
}

/**
 * One upstream's samples, oldest first, as parallel arrays (the shape status.json
 * sends: a fifth of the size of an object per sample). Index i of every array
 * describes the interval that ended at `at[i]`.
 */
export interface TrafficSeries {
  /** End of each interval, epoch ms. */
  readonly at: number[]
  /** Attempts that finished on the upstream in the interval, per second (one decimal). */
  readonly requestsPerSecond: number[]
  /** Failed attempts plus 5xx answers in the interval. */
  readonly errors: number[]
  /** Failed attempts that were sent to another upstream in the interval. */
  readonly retries: number[]
  /** p99 of the interval's answered attempts, ms (two significant digits); null when none was answered. */
  readonly p99Ms: Array<number | null>
  /** The upstream's state when the interval ended: in rotation exactly when `healthy`. */
  readonly state: UpstreamState[]
}

/**
 * What one upstream's interval in progress holds, as a cluster worker sends it to
 * the primary once a second: the counts and the non-empty histogram buckets
 * as [bucket, count] pairs.
 */
export interface IntervalCounts {
  readonly requests: number
  readonly errors: number
  readonly retries: number
  readonly answered: number
  readonly maxMs: number
  readonly buckets: ReadonlyArray<readonly [number, number]>
}

const stateCodes: readonly UpstreamState[] = ['healthy', 'ejected', 'draining', 'unhealthy']

// Latencies are counted in log-scale buckets, four per doubling: bucket 0 is
// below BASE_MS, bucket i (i >= 1) ends at BASE_MS * 2^(i/4). 96 buckets reach
// past 10 minutes. A percentile read from them is the end of its bucket (at
// most 19% high), capped by the interval's largest latency, so that it is
// exact when a handful of requests was answered.
const BASE_MS = 0.05
const BUCKETS = 96
const STEPS_PER_DOUBLING = 4

export function latencyBucket (latencyMs: number): number {
  if (!(latencyMs >= BASE_MS)) return 0
  const index = Math.ceil(Math.log2(latencyMs / BASE_MS) * STEPS_PER_DOUBLING)
  return index < 1 ? 1 : index >= BUCKETS ? BUCKETS - 1 : index
}

export function bucketUpperMs (bucket: number): number {
  return BASE_MS * 2 ** (bucket / STEPS_PER_DOUBLING)
}

/** The accumulators of the interval in progress and the ring of closed intervals, for one upstream. */
class UpstreamTraffic {
  // The interval in progress. record() only touches these.
  private requests = 0
  private errors = 0
  private retries = 0
  private answered = 0
  private maxMs = 0
  private readonly buckets = new Uint32Array(BUCKETS)

  // The ring: `size` samples ending at slot `next - 1`.
  private readonly at: Float64Array
  private readonly elapsedMs: Float64Array
  private readonly requestCounts: Uint32Array
  private readonly errorCounts: Uint32Array
  private readonly retryCounts: Uint32Array
  private readonly p99: Float64Array
  private readonly states: Uint8Array
  private next = 0
  private size = 0

  constructor (private readonly capacity: number, private lastSampleAtMs: number) {
    this.at = new Float64Array(capacity)
    this.elapsedMs = new Float64Array(capacity)
    this.requestCounts = new Uint32Array(capacity)
    this.errorCounts = new Uint32Array(capacity)
    this.retryCounts = new Uint32Array(capacity)
    this.p99 = new Float64Array(capacity)
    this.states = new Uint8Array(capacity)
  }

  record (outcome: AttemptOutcome): void {
    this.requests += 1
    if (outcome.clientAborted === true) return
    const { latencyMs, statusCode, failed } = outcome
    if (failed || (statusCode !== undefined && statusCode >= 500)) this.errors += 1
    if (outcome.retried) this.retries += 1
    if (failed) return
    this.answered += 1
    if (latencyMs > this.maxMs) this.maxMs = latencyMs
    this.buckets[latencyBucket(latencyMs)]! += 1
  }

  /** The interval in progress, handed over and started afresh; undefined when nothing happened in it. */
  take (): IntervalCounts | undefined {
    if (this.requests === 0) return undefined
    const buckets: Array<[number, number]> = []
    if (this.answered > 0) for (let i = 0; i < BUCKETS; i++) if (this.buckets[i]! > 0) buckets.push([i, this.buckets[i]!])
    const counts = { requests: this.requests, errors: this.errors, retries: this.retries, answered: this.answered, maxMs: this.maxMs, buckets }
    this.startInterval()
    return counts
  }

  /** Zeroes the interval in progress (the histogram only when something was answered: most seconds it is already zero). */
  private startInterval (): void {
    this.requests = 0
    this.errors = 0
    this.retries = 0
    if (this.answered > 0) {
      this.answered = 0
      this.maxMs = 0
      this.buckets.fill(0)
    }
  }

  /** Adds another process's counts to the interval in progress. */
  add (counts: IntervalCounts): void {
    this.requests += counts.requests
    this.errors += counts.errors
    this.retries += counts.retries
    this.answered += counts.answered
    if (counts.maxMs > this.maxMs) this.maxMs = counts.maxMs
    for (const [bucket, n] of counts.buckets) if (bucket >= 0 && bucket < BUCKETS) this.buckets[bucket]! += n
  }

  sample (nowMs: number, state: UpstreamState): void {
    const slot = this.next
    this.at[slot] = nowMs
    this.elapsedMs[slot] = Math.max(1, nowMs - this.lastSampleAtMs)
    this.requestCounts[slot] = this.requests
    this.errorCounts[slot] = this.errors
    this.retryCounts[slot] = this.retries
    this.p99[slot] = this.percentile(99)
    this.states[slot] = stateCodes.indexOf(state)
    this.next = (slot + 1) % this.capacity
    if (this.size < this.capacity) this.size += 1
    this.lastSampleAtMs = nowMs
    this.startInterval()
  }

  series (): TrafficSeries {
    const series: TrafficSeries = { at: [], requestsPerSecond: [], errors: [], retries: [], p99Ms: [], state: [] }
    const first = (this.next - this.size + this.capacity) % this.capacity
    for (let i = 0; i < this.size; i++) {
      const slot = (first + i) % this.capacity
      const p99 = this.p99[slot]!
      series.at.push(this.at[slot]!)
      series.requestsPerSecond.push(Math.round(this.requestCounts[slot]! * 10_000 / this.elapsedMs[slot]!) / 10)
      series.errors.push(this.errorCounts[slot]!)
      series.retries.push(this.retryCounts[slot]!)
      series.p99Ms.push(Number.isNaN(p99) ? null : Number(p99.toPrecision(2)))
      series.state.push(stateCodes[this.states[slot]!] ?? 'unhealthy')
    }
    return series
  }

  /** Nearest-rank percentile of the interval in progress, NaN when nothing was answered. */
  private percentile (p: number): number {
    if (this.answered === 0) return Number.NaN
    const rank = Math.max(1, Math.ceil(p / 100 * this.answered))
    let seen = 0
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.buckets[bucket]!
      if (seen >= rank) return Math.min(bucketUpperMs(bucket), this.maxMs)
    }
    return this.maxMs
  }
}

/**
 * Per upstream, one sample per interval of what the LB saw: requests per second,
 * errors, retries, p99 latency and the upstream's state, for the last `capacity`
 * intervals. Recording an attempt is O(1) and allocates nothing (a few
 * counters and a histogram bucket); the owner closes an interval by calling
 * sample() with the time and every upstream's state. No timer and no clock
 * inside, so tests drive it with made-up times.
 */
export class TrafficHistory {
  readonly capacity: number
  readonly intervalMs: number
  private readonly upstreams = new Map<string, UpstreamTraffic>()
  private lastSampleAtMs: number

  constructor (options: TrafficHistoryOptions = {}, startedAtMs = Date.now()) {
    this.capacity = options.capacity ?? 300
    this.intervalMs = options.intervalMs ?? 1000
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${String(this.capacity)}`)
    this.lastSampleAtMs = startedAtMs
  }

  /** One attempt on `upstreamId` finished (the forwarder's hot path). */
  record (upstreamId: string, outcome: AttemptOutcome): void {
    this.upstreamOf(upstreamId).record(outcome)
  }

  /** The upstream's series, made on its first figure: the first attempt may come before its first sample. */
  private upstreamOf (upstreamId: string): UpstreamTraffic {
    let upstream = this.upstreams.get(upstreamId)
    if (upstream === undefined) {
      upstream = new UpstreamTraffic(this.capacity, this.lastSampleAtMs)
      this.upstreams.set(upstreamId, upstream)
    }
    return upstream
  }

  /** Hands over every upstream's interval in progress and starts them afresh (a cluster worker, once a second). */
  takeIntervals (): Array<[string, IntervalCounts]> {
    const out: Array<[string, IntervalCounts]> = []
    for (const [id, upstream] of this.upstreams) {
      const counts = upstream.take()
      if (counts !== undefined) out.push([id, counts])
    }
    return out
  }

  /** Adds a worker's counts for `upstreamId` to the interval in progress (the cluster primary). */
  addInterval (upstreamId: string, counts: IntervalCounts): void {
    this.upstreamOf(upstreamId).add(counts)
  }

  /** Closes the interval ending at `nowMs` for every upstream in `upstreams`; upstreams not listed are gone and forgotten. */
  sample (nowMs: number, upstreams: Iterable<Pick<ObservedUpstream, 'id' | 'state'>>): void {
    const seen = new Set<string>()
    for (const { id, state } of upstreams) {
      seen.add(id)
      let upstream = this.upstreams.get(id)
      if (upstream === undefined) {
        upstream = new UpstreamTraffic(this.capacity, this.lastSampleAtMs)
        this.upstreams.set(id, upstream)
      }
      upstream.sample(nowMs, state)
    }
    for (const id of this.upstreams.keys()) if (!seen.has(id)) this.upstreams.delete(id)
    this.lastSampleAtMs = nowMs
  }

  /** The upstream's samples, oldest first; empty arrays for an upstream never sampled. */
  series (upstreamId: string): TrafficSeries {
    return this.upstreams.get(upstreamId)?.series() ?? { at: [], requestsPerSecond: [], errors: [], retries: [], p99Ms: [], state: [] }
  }
}
