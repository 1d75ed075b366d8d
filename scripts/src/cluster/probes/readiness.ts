// When a process of the cluster counts as ready: memcached answers `version`,
// a web node GET /healthz (and, while the LB runs, is in its rotation), the
// LB its status.json with every serving node behind it.
import { ClusterError, processExitedError, startTimeoutError } from '../errors.js'
import { secureMemcachedVersion, type MemcachedSecurity } from '../memcached-security.js'
import { CLUSTER_HOST, type Member } from '../members.js'
import type { Supervisor } from '../process/supervisor.js'
import { probeHttp } from './http-probe.js'
import { memcachedVersion } from './memcached-probe.js'
import { pollUntil, WaitTimeoutError } from '@stickless/test-support'

/** How many requests through the LB per polling round: enough for round robin to reach every node twice. */
const ROTATION_ROUND_FACTOR = 2

/** What the readiness waits read of the cluster. */
export interface ReadinessView {
  readonly supervisor: Supervisor
  /** With restartOnExit a dead process comes back, so a wait goes on; without, it ends at once. */
  readonly restartOnExit: boolean
  /** The run's TLS and password (secureMemcached), which memcached's probe needs. */
  security: () => MemcachedSecurity | undefined
  webNames: () => readonly string[]
  /** The web nodes that run and are not frozen: those the LB should route to. */
  servingWebNodes: () => string[]
  webUrl: (name: string, path: string) => string
  lbUrl: (path: string) => string
  lbAdminUrl: (path: string) => string
  /** The process's last output lines, for an error message. */
  tail: (name: string) => string
}

/**
 * Resolves once `m` is ready; fails when it exits (without restartOnExit),
 * when `signal` aborts, or after `timeoutMs` with its last output.
 */
export async function waitReady (view: ReadinessView, m: Member, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const { supervisor } = view
  const assertAlive = (): void => {
    // With restartOnExit the supervisor brings it back; without, waiting is pointless.
    if (!supervisor.isRunning(m.name) && !view.restartOnExit) throw processExitedError(m.name, undefined, view.tail(m.name))
  }
  const wait = async (what: string, check: () => Promise<boolean>, ms: number): Promise<void> => {
    try {
      await pollUntil(async () => { assertAlive(); return await check() }, { timeoutMs: ms, intervalMs: 100, what, signal })
    } catch (err) {
      if (err instanceof WaitTimeoutError) throw startTimeoutError(err, view.tail(m.name))
      throw err
    }
  }
  const deadline = Date.now() + timeoutMs
  const left = (): number => Math.max(1, deadline - Date.now())
  if (m.role === 'memcached') {
    const security = view.security()
    const version = security === undefined
      ? async () => await memcachedVersion(CLUSTER_HOST, m.port, 500)
      : async () => await secureMemcachedVersion(CLUSTER_HOST, m.port, security, 500)
    await wait(`${m.name} to answer version`, async () => await version() !== undefined, left())
    return
  }
  if (m.role === 'web') {
    await wait(`${m.name} GET /healthz 200`, async () => (await probeHttp(view.webUrl(m.name, '/healthz')))?.status === 200, left())
    if (supervisor.has('lb') && supervisor.isRunning('lb') && !supervisor.isFrozen('lb')) {
      await waitForRotation(view, [m.name], left(), signal)
    }
    return
  }
  await wait('lb admin GET /status.json 200', async () => (await probeHttp(view.lbAdminUrl('/status.json')))?.status === 200, left())
  await waitForRotation(view, view.servingWebNodes(), left(), signal)
}

/** Resolves once each named web node has answered GET /healthz through the LB (its x-served-by). */
export async function waitForRotation (view: ReadinessView, names: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const missing = new Set(names)
  const roundSize = Math.max(1, view.webNames().length * ROTATION_ROUND_FACTOR)
  try {
    await pollUntil(async () => {
      for (let i = 0; i < roundSize && missing.size > 0; i++) {
        const res = await probeHttp(view.lbUrl('/healthz'))
        if (res?.status === 200 && res.servedBy !== undefined) missing.delete(res.servedBy)
      }
      return missing.size === 0
    }, { timeoutMs, what: `${[...missing].join(', ')} in the LB's rotation (GET /healthz through the LB)`, intervalMs: 100, signal })
  } catch (err) {
    if (err instanceof WaitTimeoutError) {
      throw new ClusterError('STK_ERR_CLUSTER_START_TIMEOUT', `not seen through the LB: ${[...missing].join(', ')}\n${view.tail('lb')}`, { cause: err })
    }
    throw err
  }
}
