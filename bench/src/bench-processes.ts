// Every server a benchmark needs, as child processes stopped by PID. Each one
// writes its output to its own log file in the run's temp dir (not through a
// pipe to us): the web nodes log two lines per request, and parsing those in
// the benchmark's own process would take CPU from the two cores being measured.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memcachedVersion, probeHttp, Supervisor } from '@stickless/scripts/cluster'
import { pollUntil } from '@stickless/test-support'

export interface BenchProcessSpec {
  name: string
  command: string
  args?: readonly string[]
  /** Added to the parent's environment. */
  env?: Record<string, string>
  /** Stop order: higher tiers stop first (proxies 2, nodes 1, memcached 0). */
  tier: number
}

export class BenchProcesses {
  /** Temp dir of this run: logs, configs, nginx/HAProxy pid and temp paths. */
  readonly dir: string
  private readonly supervisor = new Supervisor({ output: null, stopGraceMs: 5_000 })
  private readonly tiers = new Map<string, number>()
  private readonly keepDir: boolean

  constructor (options: { keepDir?: boolean } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'stickless-bench-'))
    mkdirSync(join(this.dir, 'logs'))
    this.keepDir = options.keepDir ?? false
  }

  logPath (name: string): string {
    return join(this.dir, 'logs', `${name}.log`)
  }

  /**
   * Starts a process whose stdout and stderr go to its log file. `sh -c exec`
   * redirects and then becomes the command, so the PID we signal is the
   * command's own.
   */
  start (spec: BenchProcessSpec): void {
    this.supervisor.start({
      name: spec.name,
      command: 'sh',
      args: ['-c', 'exec "$0" "$@" >>"$BENCH_LOG_FILE" 2>&1', spec.command, ...(spec.args ?? [])],
      env: { ...process.env, ...spec.env, BENCH_LOG_FILE: this.logPath(spec.name) }
    })
    this.tiers.set(spec.name, spec.tier)
  }

  pid (name: string): number | undefined {
    return this.supervisor.pid(name)
  }

  signal (name: string, signal: NodeJS.Signals): void {
    this.supervisor.signal(name, signal)
  }

  isRunning (name: string): boolean {
    return this.supervisor.has(name) && this.supervisor.isRunning(name)
  }

  /** The last lines of a process's log, for error messages. */
  tail (name: string, lines = 15): string {
    try {
      return readFileSync(this.logPath(name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
    } catch {
      return '(no log)'
    }
  }

  async waitFor (name: string, what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    let outcome: 'ready' | 'exited'
    try {
      // a process that exited ends the wait at once: it will not become ready
      outcome = await pollUntil(async () => !this.isRunning(name) ? 'exited' : await check() ? 'ready' : undefined, { what: `${name}: ${what}`, timeoutMs, intervalMs: 50 })
    } catch (err) {
      throw new Error(`${(err as Error).message}:\n${this.tail(name)}`)
    }
    if (outcome === 'exited') throw new Error(`${name} exited while starting:\n${this.tail(name)}`)
  }

  async waitForHttp (name: string, url: string, timeoutMs?: number): Promise<void> {
    await this.waitFor(name, `GET ${url} 200`, async () => (await probeHttp(url, 500))?.status === 200, timeoutMs)
  }

  async waitForMemcached (name: string, port: number): Promise<void> {
    await this.waitFor(name, 'memcached version', async () => await memcachedVersion('127.0.0.1', port, 500) !== undefined)
  }

  /** SIGKILL and wait for the exit (a crash, as far as anyone else can tell). */
  async kill (name: string): Promise<void> {
    await this.supervisor.kill(name, 'SIGKILL')
  }

  /** SIGTERM (SIGKILL after 5 s), and wait. */
  async stopOne (name: string): Promise<void> {
    await this.supervisor.stopProcess(name)
  }

  /** Stops everything, a tier at a time: proxies before the nodes behind them, nodes before memcached. */
  async stop (): Promise<void> {
    const tiers = [...new Set(this.tiers.values())].sort((a, b) => b - a)
    for (const tier of tiers) {
      const names = [...this.tiers].filter(([, t]) => t === tier).map(([name]) => name)
      await Promise.allSettled(names.map(async (name) => await this.supervisor.stopProcess(name)))
    }
    await this.supervisor.stop()
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true })
  }
}
