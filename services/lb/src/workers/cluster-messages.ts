import type { AddressInfo } from 'node:net'
import type { Balancer, CheckResult, UpstreamSpec, UpstreamState } from '@stickless/balancer'
import type { MetricObjectWithValues, MetricValue } from 'prom-client'
import type { RequestTotals } from '../status/status-report.js'
import type { IntervalCounts } from '../status/traffic-history.js'

// The IPC between the cluster primary and its workers. Nothing here is sent
// per request: the primary sends what changes the rotation (the upstream set,
// each health check result, an ejection), a worker sends its figures once a
// second and an ejection its own request caused at once.

/** An upstream as the primary sees it: a newcomer worker starts from its state. */
export interface UpstreamSync extends UpstreamSpec {
  readonly state: UpstreamState
}

export type PrimaryMessage =
  | { readonly kind: 'stickless:upstreams', readonly upstreams: readonly UpstreamSync[] }
  | { readonly kind: 'stickless:check', readonly upstreamId: string, readonly result: CheckResult }
  | { readonly kind: 'stickless:eject', readonly upstreamId: string }
  | { readonly kind: 'stickless:metrics-request', readonly requestId: number }
  | { readonly kind: 'stickless:shutdown' }

/** A worker's figures: cumulative counters (a lost report loses nothing) and the second's history and retries. */
export interface WorkerReport {
  readonly totals: RequestTotals
  readonly upstreams: ReadonlyArray<{ readonly id: string, readonly requests: number, readonly inFlight: number, readonly errors: number, readonly retries: number, readonly upgradedSockets: number }>
  readonly intervals: ReadonlyArray<readonly [string, IntervalCounts]>
  readonly retries: readonly RetryTallyEntry[]
}

export interface RetryTallyEntry {
  readonly upstreamId: string
  readonly upstream: string
  readonly reason: string
  readonly count: number
  readonly atMs: number
  readonly lastAtMs: number
}

export type WorkerMessage =
  | { readonly kind: 'stickless:ready' }
  | { readonly kind: 'stickless:listening', readonly http: AddressInfo, readonly https: AddressInfo | undefined }
  | { readonly kind: 'stickless:failed', readonly code: string | undefined, readonly message: string }
  | { readonly kind: 'stickless:report', readonly report: WorkerReport }
  | { readonly kind: 'stickless:ejected', readonly upstreamId: string, readonly reason: string }
  | { readonly kind: 'stickless:metrics', readonly requestId: number, readonly metrics: Array<MetricObjectWithValues<MetricValue<string>>> }

/** The upstream set as the primary sees it, states included: sent after each resolution and to each worker that starts. */
export function upstreamsMessage (balancer: Pick<Balancer, 'snapshot'>): PrimaryMessage {
  const upstreams: UpstreamSync[] = balancer.snapshot().map((u) => ({ id: u.id, url: u.url, name: u.name, weight: u.weight, state: u.state }))
  return { kind: 'stickless:upstreams', upstreams }
}

function isOurs (message: unknown): boolean {
  // Other users of the IPC channel (node:cluster's own messages) are left alone.
  return typeof message === 'object' && message !== null && typeof (message as { kind?: unknown }).kind === 'string' && (message as { kind: string }).kind.startsWith('stickless:')
}

export function isPrimaryMessage (message: unknown): message is PrimaryMessage {
  return isOurs(message)
}

export function isWorkerMessage (message: unknown): message is WorkerMessage {
  return isOurs(message)
}
