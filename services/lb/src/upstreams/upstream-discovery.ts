import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { Balancer, UpstreamDiff, UpstreamSpec } from '@stickless/balancer'
import type { Logger } from 'pino'
import { originOf, toBackendTarget, type BackendTarget } from './backend-list.js'
import type { BackendSpec } from '../config/options.js'

/** Resolves a host name to its addresses. Injected so tests need no DNS. */
export type ResolveHost = (hostname: string) => Promise<string[]>

export const resolveWithSystem: ResolveHost = async (hostname) => {
  const answers = await lookup(hostname, { all: true })
  const v4 = answers.filter((answer) => answer.family === 4)
  // `localhost` resolves to 127.0.0.1 and ::1 while a node server listens on
  // one of them; counting both would keep a dead address in rotation. Docker's
  // DNS answers IPv4 only, so IPv6 is used only when there is nothing else.
  return (v4.length > 0 ? v4 : answers).map((answer) => answer.address)
}

export interface UpstreamDiscoveryOptions {
  readonly backends: readonly BackendSpec[]
  readonly balancer: Balancer
  readonly resolveHost: ResolveHost
  readonly intervalMs: number
  readonly logger: Logger
  /** Called after every resolution with what it changed (the cluster primary passes the set on to its workers). */
  readonly onRefresh?: (diff: UpstreamDiff) => void
}

/**
 * Turns the configured backends into upstreams, one per resolved address,
 * and re-resolves periodically so containers that come back with a new
 * address are found. A failed lookup keeps the addresses it last had: a DNS
 * hiccup must not empty the rotation.
 */
export class UpstreamDiscovery {
  private readonly targets: readonly BackendTarget[]
  private readonly known = new Map<BackendTarget, readonly string[]>()
  private timer: NodeJS.Timeout | undefined
  private stopped = true

  constructor (private readonly options: UpstreamDiscoveryOptions) {
    this.targets = options.backends.map(toBackendTarget)
  }

  async refresh (): Promise<UpstreamDiff> {
    await Promise.all(this.targets.map(async (target) => {
      if (isIP(target.hostname) !== 0) {
        this.known.set(target, [target.hostname])
        return
      }
      try {
        const addresses = [...new Set(await this.options.resolveHost(target.hostname))].sort()
        this.known.set(target, addresses)
      } catch (error) {
        this.options.logger.warn({ backend: target.name, hostname: target.hostname, err: error }, 'backend host name did not resolve; keeping its last known addresses')
      }
    }))
    const diff = this.options.balancer.setUpstreams(this.specs())
    if (diff.added.length > 0 || diff.removed.length > 0) {
      this.options.logger.info({
        added: diff.added.map((u) => `${u.name} ${u.url}`),
        removed: diff.removed.map((u) => `${u.name} ${u.url}`)
      }, 'upstreams changed')
    }
    this.options.onRefresh?.(diff)
    return diff
  }

  start (): void {
    this.stopped = false
    this.schedule()
  }

  stop (): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private schedule (): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.refresh()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'upstream refresh failed'))
        .finally(() => this.schedule())
    }, this.options.intervalMs)
    this.timer.unref()
  }

  private specs (): UpstreamSpec[] {
    const specs: UpstreamSpec[] = []
    for (const target of this.targets) {
      const addresses = this.known.get(target) ?? []
      for (const address of addresses) {
        const id = originOf(address, target.port)
        // A name that stands for several addresses gets one row per address.
        const name = addresses.length > 1 ? `${target.name}/${address}` : target.name
        specs.push({ id, url: id, name, weight: target.weight })
      }
    }
    return specs
  }
}
