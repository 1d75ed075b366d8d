import type { Balancer, UpstreamState } from '@stickless/balancer'

/**
 * An upstream as the once-a-second sample sees it: who it is and its state.
 * The traffic history records the state with each sample, and the event log
 * compares it with what it last noted to find changes no transition reported.
 */
export interface ObservedUpstream {
  readonly id: string
  readonly name: string
  readonly state: UpstreamState
}

/** Every upstream of the balancer with its current state (one the balancer has just dropped counts as unhealthy). */
export function observeUpstreams (balancer: Pick<Balancer, 'list' | 'state'>): ObservedUpstream[] {
  return balancer.list().map((upstream) => ({ id: upstream.id, name: upstream.name, state: balancer.state(upstream.id) ?? 'unhealthy' }))
}
