// What keeps the upstream set true, built once for both process shapes (one
// process, or the cluster primary): discovery (DNS names to addresses) and
// active health checks, configured from the LB's options.
import type { Balancer } from '@stickless/balancer'
import type { Logger } from 'pino'
import { HealthChecker, type HealthCheckerOptions } from './health-checker.js'
import type { ResolvedLbOptions } from '../config/options.js'
import { UpstreamDiscovery, resolveWithSystem, type ResolveHost, type UpstreamDiscoveryOptions } from './upstream-discovery.js'

export interface UpstreamWatch {
  readonly discovery: UpstreamDiscovery
  readonly healthChecker: HealthChecker
  /** Stops both, once the traffic has drained: checks run to the end, so requests in flight are retried on upstreams really up. */
  readonly stop: () => Promise<void>
}

export interface UpstreamWatchHooks extends Pick<HealthCheckerOptions, 'onTransition' | 'onResult'>, Pick<UpstreamDiscoveryOptions, 'onRefresh'> {
  readonly resolveHost?: ResolveHost | undefined
}

export function createUpstreamWatch (options: ResolvedLbOptions, balancer: Balancer, logger: Logger, hooks: UpstreamWatchHooks): UpstreamWatch {
  const discovery = new UpstreamDiscovery({
    backends: options.backends,
    balancer,
    resolveHost: hooks.resolveHost ?? resolveWithSystem,
    intervalMs: options.resolveIntervalMs,
    logger,
    onRefresh: hooks.onRefresh
  })
  const healthChecker = new HealthChecker({
    balancer,
    path: options.healthPath,
    intervalMs: options.healthIntervalMs,
    timeoutMs: options.healthTimeoutMs,
    logger,
    onTransition: hooks.onTransition,
    onResult: hooks.onResult
  })
  const stop = async (): Promise<void> => {
    discovery.stop()
    await healthChecker.stop()
  }
  return { discovery, healthChecker, stop }
}
