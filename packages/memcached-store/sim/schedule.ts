// What one simulated run does, as data: the cluster's shape, the users'
// requests, the faults, and the seed of every latency and tie. fast-check
// generates schedules (`scheduleArbitrary`) and shrinks a failing one to
// its smallest form; a schedule prints as JSON and replays from it.
import fc from 'fast-check'

export type RequestKind = 'add' | 'read' | 'logout' | 'logout-everywhere'

export interface ScheduledRequest {
  /** simulated ms after its burst begins */
  readonly offsetMs: number
  readonly session: number
  readonly node: number
  readonly kind: RequestKind
}

/** Requests that begin within a few milliseconds of each other: where races live. */
export interface Burst {
  /** simulated ms after the logins */
  readonly at: number
  readonly requests: readonly ScheduledRequest[]
}

export type Fault =
  | { readonly kind: 'restart', readonly server: number, readonly gapMs: number, readonly downMs: number }
  | { readonly kind: 'freeze', readonly server: number, readonly gapMs: number, readonly forMs: number }
  | { readonly kind: 'slow', readonly server: number, readonly gapMs: number, readonly forMs: number, readonly latencyShare: number }
  | { readonly kind: 'drop', readonly server: number, readonly gapMs: number, readonly forMs: number }
  | { readonly kind: 'cut', readonly server: number, readonly node: number, readonly gapMs: number, readonly forMs: number }
  /** the pool grows by a server, or loses one: each node restarts on both lists, one every rollPauseMs, then on the new list alone */
  | { readonly kind: 'grow', readonly gapMs: number, readonly rollPauseMs: number }
  | { readonly kind: 'shrink', readonly server: number, readonly gapMs: number, readonly rollPauseMs: number }

export interface Schedule {
  /** memcached servers at the start (2 to 4) */
  readonly servers: number
  /** store nodes (web nodes), each with its own store */
  readonly nodes: number
  readonly timeoutMs: number
  readonly retryIntervalMs: number
  /** a command's usual round trip */
  readonly latencyMs: number
  /** sessions, each of a user, signed in on a node */
  readonly sessions: ReadonlyArray<{ readonly user: number, readonly node: number }>
  readonly bursts: readonly Burst[]
  /** one at a time: each begins `gapMs` after the one before has ended and its server had time to come back */
  readonly faults: readonly Fault[]
  /** the order of replies and of events due at one moment */
  readonly seed: number
}

export const NODES = 3
export const MAX_SERVERS = 4
/** requests are spread over this much simulated time */
export const REQUEST_WINDOW_MS = 6000

const requestKind = fc.constantFrom<RequestKind>('add', 'add', 'add', 'add', 'add', 'read', 'read', 'logout', 'logout-everywhere')

const fault = (servers: number): fc.Arbitrary<Fault> => {
  const server = fc.integer({ min: 0, max: servers - 1 })
  const gapMs = fc.integer({ min: 0, max: 2000 })
  const forMs = fc.integer({ min: 100, max: 2500 })
  const kinds: Array<fc.Arbitrary<Fault>> = [
    fc.record({ kind: fc.constant('restart' as const), server, gapMs, downMs: fc.integer({ min: 0, max: 2000 }) }),
    fc.record({ kind: fc.constant('freeze' as const), server, gapMs, forMs }),
    fc.record({ kind: fc.constant('slow' as const), server, gapMs, forMs, latencyShare: fc.integer({ min: 10, max: 80 }).map((n) => n / 100) }),
    fc.record({ kind: fc.constant('drop' as const), server, gapMs, forMs }),
    fc.record({ kind: fc.constant('cut' as const), server, node: fc.integer({ min: 0, max: NODES - 1 }), gapMs, forMs })
  ]
  const rollPauseMs = fc.integer({ min: 100, max: 2000 })
  if (servers < MAX_SERVERS) kinds.push(fc.record({ kind: fc.constant('grow' as const), gapMs, rollPauseMs }))
  if (servers > 2) kinds.push(fc.record({ kind: fc.constant('shrink' as const), server, gapMs, rollPauseMs }))
  return fc.oneof(...kinds)
}

export const scheduleArbitrary: fc.Arbitrary<Schedule> = fc.integer({ min: 2, max: MAX_SERVERS }).chain((servers) =>
  fc.integer({ min: 2, max: 6 }).chain((sessionCount) => fc.record({
    servers: fc.constant(servers),
    nodes: fc.constant(NODES),
    timeoutMs: fc.constantFrom(300, 500, 1000),
    retryIntervalMs: fc.constantFrom(1000, 2000, 3000),
    latencyMs: fc.integer({ min: 1, max: 6 }),
    sessions: fc.array(fc.record({ user: fc.integer({ min: 0, max: 2 }), node: fc.integer({ min: 0, max: NODES - 1 }) }), { minLength: sessionCount, maxLength: sessionCount }),
    bursts: fc.array(fc.record({
      at: fc.integer({ min: 0, max: REQUEST_WINDOW_MS }),
      requests: fc.array(fc.record({
        offsetMs: fc.integer({ min: 0, max: 20 }),
        session: fc.integer({ min: 0, max: sessionCount - 1 }),
        node: fc.integer({ min: 0, max: NODES - 1 }),
        kind: requestKind
      }), { minLength: 1, maxLength: 6 })
    }), { minLength: 1, maxLength: 12 }),
    faults: fc.array(fault(servers), { minLength: 0, maxLength: 2 }),
    seed: fc.integer({ min: 0, max: 0x7fffffff })
  })))

/** The schedule of one seed: fast-check's first value for it. */
export function scheduleOf (seed: number): Schedule {
  const [schedule] = fc.sample(scheduleArbitrary, { seed, numRuns: 1 })
  if (schedule === undefined) throw new Error(`no schedule for seed ${seed}`)
  return schedule
}
