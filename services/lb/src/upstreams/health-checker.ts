import http from 'node:http'
import type { Balancer, CheckResult, HealthTransition, Upstream } from '@stickless/balancer'
import type { Logger } from 'pino'

export interface HealthCheckerOptions {
  readonly balancer: Balancer
  readonly path: string
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly logger: Logger
  /** Called with each state change a check causes, and why in words. */
  readonly onTransition: (transition: HealthTransition, reason: string) => void
  /** Called with every check result, before its transition: the cluster primary passes each one on to its workers. */
  readonly onResult?: (upstream: Upstream, result: CheckResult) => void
}

/** What one check saw: its verdict and, in a few words, the answer or the error behind it. */
export interface ProbeOutcome {
  readonly result: CheckResult
  readonly detail: string
}

/**
 * Active checks: GET /healthz on every upstream each interval. 2xx passes,
 * 503 means the node drains (out of rotation at once), anything else fails.
 */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined
  private stopped = true
  private running: Promise<void> | undefined

  constructor (private readonly options: HealthCheckerOptions) {}

  start (): void {
    this.stopped = false
    this.schedule(0)
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  /** Checks every upstream once, at once, without waiting for the interval. Concurrent calls share one round. */
  async checkAll (): Promise<void> {
    this.running ??= this.round().finally(() => { this.running = undefined })
    await this.running
  }

  private async round (): Promise<void> {
    await Promise.all(this.options.balancer.list().map(async (upstream) => {
      const { result, detail } = await probe(upstream, this.options.path, this.options.timeoutMs)
      // The set may have changed while the probe ran; a result for an
      // address that is gone, or moved, must not land on its successor.
      if (this.options.balancer.get(upstream.id)?.url !== upstream.url) return
      this.options.logger.trace({ upstream: upstream.name, result, detail }, 'health check')
      this.options.onResult?.(upstream, result)
      const transition = this.options.balancer.recordCheck(upstream.id, result)
      if (transition !== undefined) this.options.onTransition(transition, checkReason(transition, this.options.path, detail, this.options.balancer.options))
    }))
  }

  private schedule (delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.checkAll()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'health check round failed'))
        .finally(() => this.schedule(this.options.intervalMs))
    }, delayMs)
    this.timer.unref()
  }
}

/** Why a check moved a node, for the event log: `path` answered `detail`, and the threshold it completed. */
export function checkReason (
  { from, to }: HealthTransition,
  path: string,
  detail: string,
  thresholds: { readonly healthyThreshold: number, readonly unhealthyThreshold: number }
): string {
  switch (to) {
    case 'draining':
      return `${path} answered ${detail}: the node is draining`
    case 'unhealthy':
      return `${plural(thresholds.unhealthyThreshold, 'health check')} failed in a row (last: ${detail})`
    case 'healthy':
      return from === 'ejected'
        ? `a health check passed (${detail}), ending the ejection`
        : `${plural(thresholds.healthyThreshold, 'health check')} passed in a row (${detail})`
    default:
      return `health check: ${detail}`
  }
}

function plural (n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** One GET on a fresh connection, so a check also proves the node accepts connections. */
export function probe (upstream: Upstream, path: string, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const request = http.get(new URL(path, upstream.url), {
      agent: false,
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'user-agent': 'stickless-lb health check', accept: 'application/json' }
    }, (response) => {
      const status = response.statusCode ?? 0
      resolve({ result: status >= 200 && status < 300 ? 'pass' : status === 503 ? 'draining' : 'fail', detail: `HTTP ${status}` })
      response.on('error', () => {})
      response.resume()
    })
    request.on('error', (error: NodeJS.ErrnoException) => {
      const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError'
      resolve({ result: 'fail', detail: timedOut ? `no answer within ${timeoutMs} ms` : error.code ?? error.message })
    })
  })
}
