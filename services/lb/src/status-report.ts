import type { Balancer, CheckResult, UpstreamState } from '@stickless/balancer'
import type { RequestTotals } from './request-forwarder.js'

/** The body of GET /status.json, and what the status page draws. */
export interface StatusReport {
  readonly service: 'stickless-lb'
  readonly generatedAt: string
  readonly uptimeSeconds: number
  readonly totals: Readonly<RequestTotals>
  readonly upstreams: readonly UpstreamStatus[]
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
  readonly errors: number
  readonly retries: number
  readonly ejections: number
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  readonly lastCheck: { readonly result: CheckResult, readonly at: string } | null
  readonly ejectedUntil: string | null
}

export function statusReport (balancer: Balancer, totals: Readonly<RequestTotals>, startedAtMs: number, nowMs = Date.now()): StatusReport {
  return {
    service: 'stickless-lb',
    generatedAt: new Date(nowMs).toISOString(),
    uptimeSeconds: Math.round((nowMs - startedAtMs) / 1000),
    totals: { ...totals },
    upstreams: balancer.snapshot().map((upstream) => ({
      id: upstream.id,
      name: upstream.name,
      url: upstream.url,
      weight: upstream.weight,
      state: upstream.state,
      inRotation: upstream.state === 'healthy',
      requests: upstream.requests,
      inFlight: upstream.inFlight,
      errors: upstream.errors,
      retries: upstream.retries,
      ejections: upstream.ejections,
      p50Ms: round(upstream.p50Ms),
      p99Ms: round(upstream.p99Ms),
      lastCheck: upstream.lastCheck === undefined
        ? null
        : { result: upstream.lastCheck.result, at: new Date(upstream.lastCheck.atMs).toISOString() },
      ejectedUntil: upstream.ejectedUntilMs === undefined ? null : new Date(upstream.ejectedUntilMs).toISOString()
    }))
  }
}

function round (ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms * 10) / 10
}
