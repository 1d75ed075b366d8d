import type { CheckResult, UpstreamSnapshot, UpstreamState } from '@stickless/balancer'
import type { EventLog, LbEventKind } from './event-log.js'
import type { TrafficHistory, TrafficSeries } from './traffic-history.js'

/** The status page's history: the last 300 samples per upstream (five minutes at the default one a second), and the last 200 events. */
export const HISTORY_SAMPLES = 300
export const EVENTS_KEPT = 200

/** LB-wide counters: the `totals` of status.json. The forwarder (or a cluster primary's merge of its workers) keeps them. */
export interface RequestTotals {
  requests: number
  inFlight: number
  retries: number
  /** Requests answered 503 because no upstream was in rotation. */
  noHealthyBackend: number
  /** Requests the LB itself answered with an error status (4xx/5xx). */
  lbErrors: number
  /** Upgraded (WebSocket) connections open now. */
  upgradedSockets: number
}

export function emptyRequestTotals (): RequestTotals {
  return { requests: 0, inFlight: 0, retries: 0, noHealthyBackend: 0, lbErrors: 0, upgradedSockets: 0 }
}

/** The body of GET /status.json, and what the status page draws. */
export interface StatusReport {
  readonly service: 'stickless-lb'
  readonly generatedAt: string
  readonly uptimeSeconds: number
  readonly totals: Readonly<RequestTotals>
  /** How the per-node `history` is sampled: every `intervalMs`, the last `samples` kept. */
  readonly history: { readonly intervalMs: number, readonly samples: number }
  readonly upstreams: readonly UpstreamStatus[]
  /** The timeline, newest first, at most 200. */
  readonly events: readonly StatusEvent[]
  /** The processes that proxy: one without workers; with them, each live worker and what it has counted. */
  readonly workers?: readonly WorkerStatus[]
}

export interface WorkerStatus {
  /** The cluster worker id (1, 2, ...; a replacement gets a new one); 0 for a single process. */
  readonly id: number
  readonly pid: number
  readonly startedAt: string
  /** Client requests it has counted, as of its last report (once a second). */
  readonly requests: number
  readonly inFlight: number
}

/** Where the figures per upstream come from: the balancer, or the primary's merge of its workers' reports. */
export interface UpstreamSource {
  snapshot: () => UpstreamSnapshot[]
}

export interface UpstreamStatus {
  readonly id: string
  readonly name: string
  readonly url: string
  readonly weight: number
  readonly state: UpstreamState
  readonly inRotation: boolean
  readonly requests: number
  readonly inFlight: number
  /** Upgraded (WebSocket) connections open to it now. */
  readonly upgradedSockets: number
  readonly errors: number
  readonly retries: number
  readonly ejections: number
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  readonly lastCheck: { readonly result: CheckResult, readonly at: string } | null
  readonly ejectedUntil: string | null
  readonly history: TrafficSeries
}

export interface StatusEvent {
  readonly at: string
  readonly lastAt: string
  readonly upstreamId: string
  readonly upstream: string
  readonly kind: LbEventKind
  readonly reason: string
  readonly count: number
}

/** Where the history comes from; without it the report carries empty series and no events. */
export interface StatusHistory {
  readonly traffic: TrafficHistory
  readonly events: EventLog
}

export function statusReport (
  balancer: UpstreamSource,
  totals: Readonly<RequestTotals>,
  startedAtMs: number,
  nowMs = Date.now(),
  history?: StatusHistory,
  workers?: readonly WorkerStatus[],
  upgradedSockets?: ReadonlyMap<string, number>
): StatusReport {
  return {
    service: 'stickless-lb',
    generatedAt: new Date(nowMs).toISOString(),
    uptimeSeconds: Math.round((nowMs - startedAtMs) / 1000),
    totals: { ...totals },
    history: { intervalMs: history?.traffic.intervalMs ?? 1000, samples: history?.traffic.capacity ?? 0 },
    upstreams: balancer.snapshot().map((upstream) => ({
      id: upstream.id,
      name: upstream.name,
      url: upstream.url,
      weight: upstream.weight,
      state: upstream.state,
      inRotation: upstream.state === 'healthy',
      requests: upstream.requests,
      inFlight: upstream.inFlight,
      upgradedSockets: upgradedSockets?.get(upstream.id) ?? 0,
      errors: upstream.errors,
      retries: upstream.retries,
      ejections: upstream.ejections,
      p50Ms: round(upstream.p50Ms),
      p99Ms: round(upstream.p99Ms),
      lastCheck: upstream.lastCheck === undefined
        ? null
        : { result: upstream.lastCheck.result, at: new Date(upstream.lastCheck.atMs).toISOString() },
      ejectedUntil: upstream.ejectedUntilMs === undefined ? null : new Date(upstream.ejectedUntilMs).toISOString(),
      history: history?.traffic.series(upstream.id) ?? { at: [], requestsPerSecond: [], errors: [], retries: [], p99Ms: [], state: [] }
    })),
    events: (history?.events.list() ?? []).map((event) => ({
      at: new Date(event.atMs).toISOString(),
      lastAt: new Date(event.lastAtMs).toISOString(),
      upstreamId: event.upstreamId,
      upstream: event.upstream,
      kind: event.kind,
      reason: event.reason,
      count: event.count
    })),
    workers: workers ?? [{ id: 0, pid: process.pid, startedAt: new Date(startedAtMs).toISOString(), requests: totals.requests, inFlight: totals.inFlight }]
  }
}

function round (ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms * 10) / 10
}
