import type { UpstreamState } from '@stickless/balancer'
import type { ObservedUpstream } from './observed-upstream.js'

/**
 * What happened to an upstream: it joined or left the set, left rotation
 * (`ejected` by a connect failure, `draining`, `unhealthy`), came back
 * (`healthy`), or had requests retried elsewhere (`retry`).
 */
export type LbEventKind = 'added' | 'removed' | 'ejected' | 'draining' | 'unhealthy' | 'healthy' | 'retry'

export interface LbEvent {
  /** When it happened (the first one, for coalesced retries), epoch ms. */
  readonly atMs: number
  /** The last occurrence, for coalesced retries; `atMs` otherwise. */
  readonly lastAtMs: number
  readonly upstreamId: string
  readonly upstream: string
  readonly kind: LbEventKind
  /** Why, in words: the check result, the connect error, the retry reason. */
  readonly reason: string
  /** How many occurrences this event stands for: 1, more for retries that came in a burst. */
  readonly count: number
}

export interface EventLogOptions {
  /** Events kept, the oldest dropped first. Default 200. */
  readonly capacity?: number
  /** Retries of one upstream for one reason within this long of the last are counted on one event. Default 5000 ms. */
  readonly coalesceMs?: number
  /** The clock. Default Date.now. */
  readonly now?: () => number
}

type MutableEvent = { -readonly [K in keyof LbEvent]: LbEvent[K] }

/**
 * The LB's timeline: a bounded ring of events, newest last. Health changes
 * come in through transition() as the balancer reports them; observe() (once
 * a second, from the sampler) catches what no transition reports, like an
 * ejection that simply ran out, and upstreams that appear or leave. A burst of
 * retries becomes one event with a count, so a dying upstream under load cannot
 * push its own ejection out of the log. Pure apart from the injected clock.
 */
export class EventLog {
  readonly capacity: number
  private readonly coalesceMs: number
  private readonly now: () => number
  private readonly ring: Array<MutableEvent | undefined>
  private next = 0
  private size = 0
  // What the log last said about each upstream, to tell a change no transition reported.
  private readonly known = new Map<string, UpstreamState>()
  // The open retry event per upstream and reason.
  private readonly openRetries = new Map<string, MutableEvent>()

  constructor (options: EventLogOptions = {}) {
    this.capacity = options.capacity ?? 200
    this.coalesceMs = options.coalesceMs ?? 5000
    this.now = options.now ?? Date.now
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${String(this.capacity)}`)
    this.ring = new Array<MutableEvent | undefined>(this.capacity).fill(undefined)
  }

  /** The balancer moved an upstream from `from` to `to`; `reason` says why. */
  transition (upstream: { readonly id: string, readonly name: string }, from: UpstreamState, to: UpstreamState, reason: string): void {
    const known = this.known.get(upstream.id)
    // A change the log missed in between (an ejection that ran out, say) comes first.
    if (known !== undefined && known !== from) this.add(upstream.id, upstream.name, from, implicitReason(known, from))
    this.known.set(upstream.id, to)
    this.add(upstream.id, upstream.name, to, reason)
  }

  /**
   * A request failed on the upstream and was sent to another one. A cluster
   * worker's retries arrive in batches: `count` of them, the first at
   * `atMs` and the last at `lastAtMs`.
   */
  retry (upstream: { readonly id: string, readonly name: string }, reason: string, count = 1, atMs = this.now(), lastAtMs = atMs): void {
    const key = `${upstream.id}\n${reason}`
    const open = this.openRetries.get(key)
    if (open !== undefined && atMs - open.lastAtMs < this.coalesceMs && this.holds(open)) {
      open.count += count
      if (lastAtMs > open.lastAtMs) open.lastAtMs = lastAtMs
      return
    }
    if (this.openRetries.size > 1024) this.openRetries.clear()
    const event = this.add(upstream.id, upstream.name, 'retry', reason, atMs)
    event.count = count
    event.lastAtMs = lastAtMs
    this.openRetries.set(key, event)
  }

  /** The current set of upstreams and their states: logs what changed without a transition. */
  observe (upstreams: Iterable<ObservedUpstream>): void {
    const seen = new Set<string>()
    for (const upstream of upstreams) {
      seen.add(upstream.id)
      const known = this.known.get(upstream.id)
      if (known === upstream.state) continue
      this.known.set(upstream.id, upstream.state)
      if (known === undefined) this.add(upstream.id, upstream.name, 'added', `joined the backends, ${upstream.state === 'healthy' ? 'in rotation' : upstream.state}`)
      else this.add(upstream.id, upstream.name, upstream.state, implicitReason(known, upstream.state))
    }
    for (const [id] of this.known) {
      if (seen.has(id)) continue
      this.known.delete(id)
      const last = this.latestFor(id)
      this.add(id, last?.upstream ?? id, 'removed', 'no longer among the resolved backends')
    }
  }

  /** Every event kept, newest first, as copies. */
  list (): LbEvent[] {
    const events: LbEvent[] = []
    for (let i = 1; i <= this.size; i++) {
      const event = this.ring[(this.next - i + this.capacity) % this.capacity]
      if (event !== undefined) events.push({ ...event })
    }
    return events
  }

  private add (upstreamId: string, upstream: string, kind: LbEventKind, reason: string, atMs = this.now()): MutableEvent {
    const event: MutableEvent = { atMs, lastAtMs: atMs, upstreamId, upstream, kind, reason, count: 1 }
    this.ring[this.next] = event
    this.next = (this.next + 1) % this.capacity
    if (this.size < this.capacity) this.size += 1
    return event
  }

  /** Whether the ring still holds this event (it may have been overwritten). */
  private holds (event: MutableEvent): boolean {
    return this.ring.includes(event)
  }

  private latestFor (upstreamId: string): MutableEvent | undefined {
    for (let i = 1; i <= this.size; i++) {
      const event = this.ring[(this.next - i + this.capacity) % this.capacity]
      if (event?.upstreamId === upstreamId) return event
    }
    return undefined
  }
}

/** Why an upstream went from `from` to `to` when no transition said so. */
function implicitReason (from: UpstreamState, to: UpstreamState): string {
  if (from === 'ejected' && to === 'healthy') return 'the ejection time ran out'
  return `was ${from}`
}
