import { errors } from './errors.js'
import { checkBoolean, checkFunction, checkInteger, checkKnownKeys } from './option-checks.js'

export interface BalancerOptions {
  /** Consecutive passing active checks that bring an unhealthy or draining upstream back. Default 2. */
  healthyThreshold?: number
  /** Consecutive failing active checks that take a healthy upstream out of rotation. Default 2. */
  unhealthyThreshold?: number
  /** How long one connect failure keeps an upstream out of rotation, in ms. Default 10000 (10 s). */
  ejectionTimeMs?: number
  /** Latency samples kept per upstream for p50/p99 (a ring of the most recent). Default 1024. */
  latencySampleSize?: number
  /** Whether a new upstream takes traffic before its first active check passes. Default true. */
  startHealthy?: boolean
  /** The clock, in ms. Injected so that ejection expiry is testable without timers. Default Date.now. */
  now?: () => number
}

export type ResolvedBalancerOptions = Readonly<Required<BalancerOptions>>

// The one place the defaults are written down; the README repeats them.
export const balancerDefaults: ResolvedBalancerOptions = Object.freeze({
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  ejectionTimeMs: 10_000,
  latencySampleSize: 1024,
  startHealthy: true,
  now: Date.now
})

export function resolveBalancerOptions (options: BalancerOptions = {}): ResolvedBalancerOptions {
  const Invalid = errors.STK_ERR_BALANCER_INVALID_OPTION
  checkKnownKeys(Invalid, options, Object.keys(balancerDefaults))
  const merged = { ...balancerDefaults, ...stripUndefined(options) }
  return Object.freeze({
    healthyThreshold: checkInteger(Invalid, 'healthyThreshold', merged.healthyThreshold, 1, 100),
    unhealthyThreshold: checkInteger(Invalid, 'unhealthyThreshold', merged.unhealthyThreshold, 1, 100),
    ejectionTimeMs: checkInteger(Invalid, 'ejectionTimeMs', merged.ejectionTimeMs, 0),
    latencySampleSize: checkInteger(Invalid, 'latencySampleSize', merged.latencySampleSize, 1, 1_000_000),
    startHealthy: checkBoolean(Invalid, 'startHealthy', merged.startHealthy),
    now: checkFunction<() => number>(Invalid, 'now', merged.now)
  })
}

/** `{ a: undefined }` means "use the default", as it does for a missing key. */
export function stripUndefined<T extends object> (value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
