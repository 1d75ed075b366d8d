export { Balancer, type HealthTransition, type Lane, type UpstreamDiff, type UpstreamSnapshot } from './balancer.js'
export { type CodedError, type CodedErrorClass } from './errors.js'
export { errorCodes, type ErrorCode } from './errors.js'
export { type CheckResult, type LastCheck, type UpstreamState } from './health-state.js'
export { LatencyReservoir } from './latency-reservoir.js'
export { balancerDefaults, resolveBalancerOptions, type BalancerOptions, type ResolvedBalancerOptions } from './options.js'
export { integer, resolveWithSchema, type InvalidOptionError } from './option-schema.js'
export {
  RetryPolicy,
  attemptFailureCodes,
  isConnectFailure,
  resolveRetryPolicyOptions,
  retryPolicyDefaults,
  type ResolvedRetryPolicyOptions,
  type RetryContext,
  type RetryDecision,
  type RetryPolicyOptions,
  type RetryReason
} from './retry-policy.js'
export { toUpstream, maxUpstreamWeight, type Upstream, type UpstreamSpec } from './upstream.js'
export { type AttemptOutcome, type UpstreamCounters } from './upstream-stats.js'
