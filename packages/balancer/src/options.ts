import { Type } from '@sinclair/typebox'
import { errorCodes } from './errors.js'
import { integer, resolveWithSchema } from './option-schema.js'

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

// The one place the defaults are written down; the schema takes them from
// here and the README repeats them.
export const balancerDefaults: ResolvedBalancerOptions = Object.freeze({
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  ejectionTimeMs: 10_000,
  latencySampleSize: 1024,
  startHealthy: true,
  now: Date.now
})

const BalancerOptionsSchema = Type.Object({
  healthyThreshold: integer(1, 100, balancerDefaults.healthyThreshold),
  unhealthyThreshold: integer(1, 100, balancerDefaults.unhealthyThreshold),
  ejectionTimeMs: integer(0, undefined, balancerDefaults.ejectionTimeMs),
  latencySampleSize: integer(1, 1_000_000, balancerDefaults.latencySampleSize),
  startHealthy: Type.Boolean({ default: balancerDefaults.startHealthy }),
  // TypeBox calls a function default to make the value, so this default returns the clock.
  now: Type.Function([], Type.Number(), { default: () => balancerDefaults.now, expected: 'expected a function' })
}, { additionalProperties: false })

export function resolveBalancerOptions (options: BalancerOptions = {}): ResolvedBalancerOptions {
  return resolveWithSchema(BalancerOptionsSchema, options, errorCodes.STK_ERR_BALANCER_INVALID_OPTION)
}
