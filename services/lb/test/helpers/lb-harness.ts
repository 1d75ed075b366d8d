import type { TestContext } from 'node:test'
import { pino } from 'pino'
import { createLoadBalancer, type LbAddresses, type LbDependencies, type LbOptions, type LoadBalancer } from '../../src/index.js'

export interface StartedLb {
  readonly lb: LoadBalancer
  readonly addresses: LbAddresses
  /** Base URL of the plain HTTP listener. */
  readonly url: string
  /** Base URL of the admin server. */
  readonly adminUrl: string
}

/**
 * Starts an LB on free ports in front of `backends` (`name=url` strings or
 * specs). Periodic health checks are slowed down so that a test decides when
 * they run (`lb.checkHealth()`), and the status history's sampler is off so
 * that a test decides when a sample is taken (`lb.sampleTraffic()`); pass
 * `historyIntervalMs` to run it. LB_TEST_LOG=debug shows the logs.
 */
export async function startLb (
  t: TestContext,
  backends: LbOptions['backends'],
  options: Partial<LbOptions> = {},
  dependencies: LbDependencies = {}
): Promise<StartedLb> {
  const lb = createLoadBalancer({
    port: 0,
    adminPort: 0,
    httpsPort: 0,
    healthIntervalMs: 60_000,
    resolveIntervalMs: 60_000,
    historyIntervalMs: 0,
    shutdownTimeoutMs: 2_000,
    ...options,
    backends
  }, {
    logger: pino({ level: process.env.LB_TEST_LOG ?? 'silent' }),
    processMetrics: false,
    ...dependencies
  })
  t.after(() => lb.close())
  const addresses = await lb.listen()
  return {
    lb,
    addresses,
    url: `http://127.0.0.1:${addresses.http.port}`,
    adminUrl: `http://127.0.0.1:${addresses.admin.port}`
  }
}
