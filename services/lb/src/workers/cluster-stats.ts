import type { Balancer, UpstreamSnapshot } from '@stickless/balancer'
import type { WorkerReport } from './cluster-messages.js'
import type { EventLog } from '../status/event-log.js'
import { emptyRequestTotals, type RequestTotals, type WorkerStatus } from '../status/status-report.js'
import { bucketUpperMs, latencyBucket, type IntervalCounts, type TrafficHistory } from '../status/traffic-history.js'

interface Counts { requests: number, inFlight: number, errors: number, retries: number }

interface WorkerFigures {
  readonly pid: number
  readonly startedAtMs: number
  report: WorkerReport | undefined
}

/** Seconds of answered attempts that p50/p99 cover with workers. */
export const LATENCY_WINDOW_S = 10
const BUCKETS = latencyBucket(Number.POSITIVE_INFINITY) + 1

/**
 * One upstream's latency over the last LATENCY_WINDOW_S seconds, merged from
 * every worker's log-scale histograms (the traffic history's buckets, at most
 * 19% high, capped by the slowest answer).
 */
class LatencyWindow {
  private readonly slots = Array.from({ length: LATENCY_WINDOW_S }, () => ({ buckets: new Uint32Array(BUCKETS), maxMs: 0, answered: 0 }))
  private current = 0

  add (counts: IntervalCounts): void {
    const slot = this.slots[this.current]!
    slot.answered += counts.answered
    if (counts.maxMs > slot.maxMs) slot.maxMs = counts.maxMs
    for (const [bucket, n] of counts.buckets) if (bucket >= 0 && bucket < BUCKETS) slot.buckets[bucket]! += n
  }

  advance (): void {
    this.current = (this.current + 1) % this.slots.length
    const slot = this.slots[this.current]!
    slot.buckets.fill(0)
    slot.maxMs = 0
    slot.answered = 0
  }

  percentiles (ps: readonly number[]): Array<number | undefined> {
    let answered = 0
    let maxMs = 0
    const merged = new Uint32Array(BUCKETS)
    for (const slot of this.slots) {
      if (slot.answered === 0) continue
      answered += slot.answered
      if (slot.maxMs > maxMs) maxMs = slot.maxMs
      for (let i = 0; i < BUCKETS; i++) merged[i]! += slot.buckets[i]!
    }
    if (answered === 0) return ps.map(() => undefined)
    return ps.map((p) => {
      const rank = Math.max(1, Math.ceil(p / 100 * answered))
      let seen = 0
      for (let i = 0; i < BUCKETS; i++) {
        seen += merged[i]!
        if (seen >= rank) return Math.min(bucketUpperMs(i), maxMs)
      }
      return maxMs
    })
  }
}

export interface ClusterStatsDependencies {
  readonly balancer: Balancer
  readonly traffic: TrafficHistory
  readonly events: EventLog
  /** Where the LB-wide totals go; default: an object of its own. */
  readonly totals?: RequestTotals
  readonly now?: () => number
}

/**
 * The cluster primary's view of what its workers did: each worker's last
 * report (cumulative counters, so a lost report loses nothing), the figures
 * of workers that are gone (so totals never go down), and per upstream the
 * latency of the last seconds. Each report's second of history and its
 * retries go straight into the LB's TrafficHistory and EventLog.
 */
export class ClusterStats {
  /** LB-wide totals, recomputed at each report into the object the admin server reads. */
  readonly totals: RequestTotals
  private readonly workers = new Map<number, WorkerFigures>()
  private readonly retiredTotals: RequestTotals = emptyRequestTotals()
  private readonly retiredUpstreams = new Map<string, Counts>()
  private readonly latency = new Map<string, LatencyWindow>()

  constructor (private readonly deps: ClusterStatsDependencies) {
    this.totals = deps.totals ?? emptyRequestTotals()
  }

  join (workerId: number, pid: number): void {
    this.workers.set(workerId, { pid, startedAtMs: (this.deps.now ?? Date.now)(), report: undefined })
  }

  receive (workerId: number, report: WorkerReport): void {
    const figures = this.workers.get(workerId)
    if (figures === undefined) return
    figures.report = report
    for (const [id, counts] of report.intervals) {
      this.deps.traffic.addInterval(id, counts)
      let window = this.latency.get(id)
      if (window === undefined) this.latency.set(id, window = new LatencyWindow())
      window.add(counts)
    }
    for (const r of report.retries) this.deps.events.retry({ id: r.upstreamId, name: r.upstream }, r.reason, r.count, r.atMs, r.lastAtMs)
    this.recompute()
  }

  /** A worker exited: what it counted stays in the totals, its in-flight requests do not. */
  leave (workerId: number): void {
    const report = this.workers.get(workerId)?.report
    this.workers.delete(workerId)
    if (report !== undefined) {
      const t = this.retiredTotals
      t.requests += report.totals.requests
      t.retries += report.totals.retries
      t.noHealthyBackend += report.totals.noHealthyBackend
      t.lbErrors += report.totals.lbErrors
      for (const u of report.upstreams) {
        const kept = this.retiredUpstreams.get(u.id) ?? { requests: 0, inFlight: 0, errors: 0, retries: 0 }
        kept.requests += u.requests
        kept.errors += u.errors
        kept.retries += u.retries
        this.retiredUpstreams.set(u.id, kept)
      }
    }
    this.recompute()
  }

  /** Once a second, with the traffic sample: the latency windows move on and upstreams that left are forgotten. */
  tick (): void {
    for (const window of this.latency.values()) window.advance()
    const known = new Set(this.deps.balancer.list().map((u) => u.id))
    for (const id of this.latency.keys()) if (!known.has(id)) this.latency.delete(id)
    for (const id of this.retiredUpstreams.keys()) if (!known.has(id)) this.retiredUpstreams.delete(id)
  }

  /** The balancer's view (state, checks, ejections) with the workers' counters and latencies. */
  snapshot (): UpstreamSnapshot[] {
    const counts = new Map<string, Counts>()
    const add = (id: string, c: Counts): void => {
      const sum = counts.get(id) ?? { requests: 0, inFlight: 0, errors: 0, retries: 0 }
      sum.requests += c.requests
      sum.inFlight += c.inFlight
      sum.errors += c.errors
      sum.retries += c.retries
      counts.set(id, sum)
    }
    for (const [id, c] of this.retiredUpstreams) add(id, c)
    for (const { report } of this.workers.values()) for (const u of report?.upstreams ?? []) add(u.id, u)
    return this.deps.balancer.snapshot().map((upstream) => {
      const c = counts.get(upstream.id) ?? { requests: 0, inFlight: 0, errors: 0, retries: 0 }
      const [p50Ms, p99Ms] = this.latency.get(upstream.id)?.percentiles([50, 99]) ?? [undefined, undefined]
      return { ...upstream, requests: c.requests, inFlight: c.inFlight, errors: c.errors, retries: c.retries, p50Ms, p99Ms }
    })
  }

  /** Open upgraded connections per upstream id, summed over the live workers (a worker's die with it). */
  upgradedSockets (): Map<string, number> {
    const counts = new Map<string, number>()
    for (const { report } of this.workers.values()) {
      for (const u of report?.upstreams ?? []) if (u.upgradedSockets > 0) counts.set(u.id, (counts.get(u.id) ?? 0) + u.upgradedSockets)
    }
    return counts
  }

  workerStatus (): WorkerStatus[] {
    return [...this.workers].map(([id, w]) => ({
      id,
      pid: w.pid,
      startedAt: new Date(w.startedAtMs).toISOString(),
      requests: w.report?.totals.requests ?? 0,
      inFlight: w.report?.totals.inFlight ?? 0
    }))
  }

  private recompute (): void {
    const t = this.totals
    t.requests = this.retiredTotals.requests
    t.inFlight = 0
    t.retries = this.retiredTotals.retries
    t.noHealthyBackend = this.retiredTotals.noHealthyBackend
    t.lbErrors = this.retiredTotals.lbErrors
    t.upgradedSockets = 0
    for (const { report } of this.workers.values()) {
      if (report === undefined) continue
      t.requests += report.totals.requests
      t.inFlight += report.totals.inFlight
      t.retries += report.totals.retries
      t.noHealthyBackend += report.totals.noHealthyBackend
      t.lbErrors += report.totals.lbErrors
      t.upgradedSockets += report.totals.upgradedSockets
    }
  }
}
