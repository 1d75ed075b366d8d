import type { Balancer, UpstreamState } from '@stickless/balancer'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface LbMetrics {
  readonly registry: Registry
  /** One per client request: the upstream that answered or failed last (`none`: none was tried) and the status sent (or `aborted`). */
  readonly requests: Counter<'upstream' | 'status'>
  /** Attempts that failed and were sent to another upstream, by the upstream that failed and why. */
  readonly retries: Counter<'upstream' | 'reason'>
  /** Times an upstream left rotation, and why: connect failure, failing checks, draining. */
  readonly ejections: Counter<'upstream' | 'reason'>
  /** Duration of answered attempts, from sending the request to the end of the response. */
  readonly upstreamDuration: Histogram<'upstream'>
  /** WebSocket upgrades by the node tried last (`none`: none) and outcome: accepted (101), refused (a node's or the LB's non-101 answer), failed (no node reached). */
  readonly upgrades: Counter<'upstream' | 'outcome'>
  /** Upgraded connections open now, per node. */
  readonly upgradedSockets: Gauge<'upstream'>
}

const states: readonly UpstreamState[] = ['healthy', 'ejected', 'draining', 'unhealthy']

/**
 * Which metrics this process registers. `single`: all of them. With workers,
 * /metrics is the primary's registry merged with each worker's (summed by
 * prom-client's AggregatorRegistry): a `worker` registers what requests
 * change (requests, retries, durations, in-flight), the `primary` what it
 * alone knows (health, state, ejections). A metric of the other role still
 * exists, unregistered, so the code that updates it needs no branch.
 */
export type MetricsRole = 'single' | 'primary' | 'worker'

/**
 * A registry per LB instance (not prom-client's global one), so tests can run
 * several side by side. Health and in-flight gauges are read from the
 * balancer at scrape time, so they never go stale when upstreams come and go.
 */
export function createMetrics (balancer: Balancer, options: { readonly processMetrics: boolean, readonly role?: MetricsRole }): LbMetrics {
  const registry = new Registry()
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'lb_' })
  const role = options.role ?? 'single'
  const perRequest = role === 'primary' ? [] : [registry]
  const perLb = role === 'worker' ? [] : [registry]

  const requests = new Counter({
    name: 'lb_requests_total',
    help: 'Client requests by the upstream that answered or failed last (none when no upstream was tried) and the status sent (aborted when the client left or the response broke).',
    labelNames: ['upstream', 'status'] as const,
    registers: perRequest
  })
  const retries = new Counter({
    name: 'lb_retries_total',
    help: 'Failed attempts that were sent to another upstream, by the failed upstream and the retry reason.',
    labelNames: ['upstream', 'reason'] as const,
    registers: perRequest
  })
  const ejections = new Counter({
    name: 'lb_upstream_ejections_total',
    help: 'Times an upstream left rotation, by reason: connect (passive), unhealthy (failing checks), draining (/healthz 503).',
    labelNames: ['upstream', 'reason'] as const,
    registers: perLb
  })
  const upstreamDuration = new Histogram({
    name: 'lb_upstream_response_duration_seconds',
    help: 'Duration of answered attempts, from sending the request to the end of the response.',
    labelNames: ['upstream'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: perRequest
  })
  const upgrades = new Counter({
    name: 'lb_upgrades_total',
    help: 'WebSocket upgrades by the upstream tried last (none when no upstream was tried) and outcome: accepted (101), refused (a non-101 answer, the upstream\'s or the LB\'s), failed (no upstream could be reached).',
    labelNames: ['upstream', 'outcome'] as const,
    registers: perRequest
  })
  // Summed over the workers, as every gauge is by prom-client's AggregatorRegistry.
  const upgradedSockets = new Gauge({
    name: 'lb_upstream_upgraded_sockets',
    help: 'Upgraded (WebSocket) connections open now, per upstream.',
    labelNames: ['upstream'] as const,
    registers: perRequest
  })
  new Gauge({
    name: 'lb_upstream_healthy',
    help: '1 when the upstream is in rotation, 0 when it is not.',
    labelNames: ['upstream', 'url'] as const,
    registers: perLb,
    collect () {
      this.reset()
      for (const upstream of balancer.snapshot()) this.set({ upstream: upstream.name, url: upstream.url }, upstream.state === 'healthy' ? 1 : 0)
    }
  })
  new Gauge({
    name: 'lb_upstream_state',
    help: 'The state of each upstream, one series per state set to 1 for the current one.',
    labelNames: ['upstream', 'state'] as const,
    registers: perLb,
    collect () {
      this.reset()
      for (const upstream of balancer.snapshot()) {
        for (const state of states) this.set({ upstream: upstream.name, state }, upstream.state === state ? 1 : 0)
      }
    }
  })
  new Gauge({
    name: 'lb_upstream_in_flight',
    help: 'Attempts in flight per upstream.',
    labelNames: ['upstream'] as const,
    registers: perRequest,
    collect () {
      this.reset()
      for (const upstream of balancer.snapshot()) this.set({ upstream: upstream.name }, upstream.inFlight)
    }
  })

  return { registry, requests, retries, ejections, upstreamDuration, upgrades, upgradedSockets }
}
