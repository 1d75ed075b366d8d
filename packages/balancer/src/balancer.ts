import { errorCodes } from './errors.js'
import { HealthState, type CheckResult, type LastCheck, type UpstreamState } from './health-state.js'
import { resolveBalancerOptions, type BalancerOptions, type ResolvedBalancerOptions } from './options.js'
import { sameTarget, toUpstream, type Upstream, type UpstreamSpec } from './upstream.js'
import { UpstreamStats, type AttemptOutcome, type UpstreamCounters } from './upstream-stats.js'
import { WeightedRoundRobin } from './weighted-round-robin.js'

/** A change of an upstream's state, returned so the caller can log, count and react. */
export interface HealthTransition {
  readonly upstream: Upstream
  readonly from: UpstreamState
  readonly to: UpstreamState
}

/** What `setUpstreams` changed. Kept upstreams keep their health and counters. */
export interface UpstreamDiff {
  readonly added: readonly Upstream[]
  readonly removed: readonly Upstream[]
  readonly kept: readonly Upstream[]
}

export interface UpstreamSnapshot extends UpstreamCounters {
  readonly id: string
  readonly name: string
  readonly url: string
  readonly weight: number
  readonly state: UpstreamState
  readonly lastCheck: LastCheck | undefined
  /** Until when a connect failure keeps it out (epoch ms), when it is ejected now. */
  readonly ejectedUntilMs: number | undefined
}

interface Entry {
  upstream: Upstream
  readonly health: HealthState
  readonly stats: UpstreamStats
}

/** The traffic that shares a round-robin turn: plain requests, or WebSocket upgrades. */
export type Lane = 'request' | 'upgrade'

/**
 * The load balancer's policy: which upstreams exist, which may take traffic,
 * which one takes the next request, and what happened to each. It owns no
 * sockets and no timers (compare undici's balanced-pool.js, which only
 * chooses while pool-base.js owns the connections), so every behaviour is
 * testable with a fake clock.
 */
export class Balancer {
  readonly options: ResolvedBalancerOptions
  // Insertion order is the round-robin order.
  private readonly entries = new Map<string, Entry>()
  // Requests and WebSocket upgrades each go round on their own turn: on one
  // shared turn, a page that loads and then opens its live socket takes two
  // picks per reload, so with two upstreams every reload of the page would be
  // served by the same one.
  private readonly rotations: Readonly<Record<Lane, WeightedRoundRobin>> = { request: new WeightedRoundRobin(), upgrade: new WeightedRoundRobin() }

  constructor (options: BalancerOptions = {}, upstreams: readonly UpstreamSpec[] = []) {
    this.options = resolveBalancerOptions(options)
    for (const spec of upstreams) this.add(spec)
  }

  get size (): number {
    return this.entries.size
  }

  list (): Upstream[] {
    return [...this.entries.values()].map((entry) => entry.upstream)
  }

  get (id: string): Upstream | undefined {
    return this.entries.get(id)?.upstream
  }

  add (spec: UpstreamSpec): Upstream {
    const upstream = toUpstream(spec)
    if (this.entries.has(upstream.id)) throw new errorCodes.STK_ERR_BALANCER_DUPLICATE_UPSTREAM(upstream.id)
    this.entries.set(upstream.id, this.newEntry(upstream))
    return upstream
  }

  remove (id: string): boolean {
    for (const rotation of Object.values(this.rotations)) rotation.forget(id)
    return this.entries.delete(id)
  }

  /**
   * Replaces the whole set, e.g. after re-resolving host names. An upstream
   * whose id and url are unchanged keeps its health and counters (a name or
   * weight change is applied in place); one whose url changed starts afresh.
   * Duplicate ids in `specs` keep the first.
   */
  setUpstreams (specs: readonly UpstreamSpec[]): UpstreamDiff {
    const next = new Map<string, Upstream>()
    for (const spec of specs) {
      const upstream = toUpstream(spec)
      if (!next.has(upstream.id)) next.set(upstream.id, upstream)
    }
    const added: Upstream[] = []
    const removed: Upstream[] = []
    const kept: Upstream[] = []
    for (const [id, entry] of this.entries) {
      const wanted = next.get(id)
      if (wanted === undefined || !sameTarget(wanted, entry.upstream)) {
        removed.push(entry.upstream)
        this.remove(id)
      }
    }
    for (const upstream of next.values()) {
      const entry = this.entries.get(upstream.id)
      if (entry === undefined) {
        this.entries.set(upstream.id, this.newEntry(upstream))
        added.push(upstream)
      } else {
        entry.upstream = upstream
        kept.push(upstream)
      }
    }
    return { added, removed, kept }
  }

  /**
   * The next upstream in rotation for this lane (requests, or WebSocket
   * upgrades), skipping those in `exclude` (the ones this request already
   * tried). Undefined when none is available.
   */
  pick (exclude?: ReadonlySet<string>, lane: Lane = 'request'): Upstream | undefined {
    const now = this.options.now()
    const candidates: Upstream[] = []
    for (const entry of this.entries.values()) {
      if (exclude?.has(entry.upstream.id) === true) continue
      if (entry.health.isAvailable(now)) candidates.push(entry.upstream)
    }
    return this.rotations[lane].pick(candidates)
  }

  state (id: string): UpstreamState | undefined {
    return this.entries.get(id)?.health.state(this.options.now())
  }

  isAvailable (id: string): boolean {
    return this.state(id) === 'healthy'
  }

  /** How many upstreams are in rotation now. */
  availableCount (): number {
    const now = this.options.now()
    let count = 0
    for (const entry of this.entries.values()) if (entry.health.isAvailable(now)) count += 1
    return count
  }

  /** Feeds one active check result; returns the state change it caused, if any. Unknown ids are ignored. */
  recordCheck (id: string, result: CheckResult): HealthTransition | undefined {
    return this.transition(id, (entry, now) => entry.health.recordCheck(result, now))
  }

  /**
   * A request could not connect to this upstream (refused, unreachable, connect
   * timeout): eject it for `ejectionTimeMs`. Returns the state change, if any.
   */
  recordConnectFailure (id: string): HealthTransition | undefined {
    const change = this.transition(id, (entry, now) => entry.health.recordConnectFailure(now))
    if (change?.to === 'ejected') this.entries.get(id)?.stats.eject()
    return change
  }

  recordStart (id: string): void {
    this.entries.get(id)?.stats.start()
  }

  recordFinish (id: string, outcome: AttemptOutcome): void {
    this.entries.get(id)?.stats.finish(outcome)
  }

  snapshot (): UpstreamSnapshot[] {
    const now = this.options.now()
    return [...this.entries.values()].map(({ upstream, health, stats }) => {
      const state = health.state(now)
      return {
        id: upstream.id,
        name: upstream.name,
        url: upstream.url,
        weight: upstream.weight,
        state,
        lastCheck: health.lastCheck,
        ejectedUntilMs: state === 'ejected' ? health.ejectedUntil : undefined,
        ...stats.counters()
      }
    })
  }

  private newEntry (upstream: Upstream): Entry {
    return {
      upstream,
      health: new HealthState(this.options),
      stats: new UpstreamStats(this.options.latencySampleSize)
    }
  }

  private transition (id: string, change: (entry: Entry, nowMs: number) => void): HealthTransition | undefined {
    const entry = this.entries.get(id)
    if (entry === undefined) return undefined
    const now = this.options.now()
    const from = entry.health.state(now)
    change(entry, now)
    const to = entry.health.state(now)
    return from === to ? undefined : { upstream: entry.upstream, from, to }
  }
}
