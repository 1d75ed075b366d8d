import http from 'node:http'
import type { Balancer, CheckResult, HealthTransition, Upstream } from '@stickless/balancer'
import type { Logger } from 'pino'

export interface HealthCheckerOptions {
  readonly balancer: Balancer
  readonly path: string
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly logger: Logger
  readonly onTransition: (transition: HealthTransition) => void
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

  /** Checks every upstream once, now. Concurrent calls share one round. */
  async checkAll (): Promise<void> {
    this.running ??= this.round().finally(() => { this.running = undefined })
    await this.running
  }

  private async round (): Promise<void> {
    await Promise.all(this.options.balancer.list().map(async (upstream) => {
      const result = await probe(upstream, this.options.path, this.options.timeoutMs)
      // The set may have changed while the probe ran; a result for an
      // address that is gone, or moved, must not land on its successor.
      if (this.options.balancer.get(upstream.id)?.url !== upstream.url) return
      this.options.logger.trace({ upstream: upstream.name, result }, 'health check')
      const transition = this.options.balancer.recordCheck(upstream.id, result)
      if (transition !== undefined) this.options.onTransition(transition)
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

/** One GET on a fresh connection, so a check also proves the node accepts connections. */
export function probe (upstream: Upstream, path: string, timeoutMs: number): Promise<CheckResult> {
  return new Promise((resolve) => {
    const request = http.get(new URL(path, upstream.url), {
      agent: false,
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'user-agent': 'stickless-lb health check', accept: 'application/json' }
    }, (response) => {
      const status = response.statusCode ?? 0
      resolve(status >= 200 && status < 300 ? 'pass' : status === 503 ? 'draining' : 'fail')
      response.on('error', () => {})
      response.resume()
    })
    request.on('error', () => resolve('fail'))
  })
}
