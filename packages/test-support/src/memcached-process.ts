// Real memcached processes for integration tests: started on free loopback
// ports, stopped by PID (never by name), also when a test fails.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { connect } from 'node:net'
import { memcachedArgs, type MemcachedArgsOptions } from './memcached-args.js'
import { stats } from './memcached-stats.js'
import { freePort } from './free-port.js'
import type { TestContext } from 'node:test'

export interface MemcachedProcessOptions extends MemcachedArgsOptions {
  /**
   * When the server counts as started: it answers `version` (default), or it
   * accepts a TCP connection, for a TLS (-Z) or authenticating (-Y) server
   * that answers no plain command.
   */
  readonly readyWhen?: 'version' | 'accepts'
}

function accepts (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port })
    s.on('connect', () => { s.destroy(); resolve(true) })
    s.on('error', () => { resolve(false) })
  })
}

/**
 * Whether the memcached on `port` is the process `pid`: with test files
 * running side by side, another file's server may hold a port between
 * freePort() and this server's bind, and must not be mistaken for it.
 */
async function answersAs (port: number, pid: number | undefined): Promise<boolean> {
  return await stats(port).then((s) => s.get('pid') === pid, () => false)
}

export class MemcachedProcess {
  private child: ChildProcess | undefined
  constructor (readonly port: number, private readonly extraArgs: readonly string[] = [], private readonly options: MemcachedProcessOptions = {}) {}

  get address (): string {
    return `127.0.0.1:${this.port}`
  }

  get pid (): number | undefined {
    return this.child?.pid
  }

  async start (): Promise<void> {
    // extraArgs come last: memcached takes the last of a repeated flag (-m 2 in a test wins over the default)
    const child = spawn('memcached', [...memcachedArgs(this.port, this.options), ...this.extraArgs], { stdio: 'ignore' })
    this.child = child
    const ready = this.options.readyWhen === 'accepts' ? accepts : async (port: number) => await answersAs(port, child.pid)
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`memcached on ${this.port} exited with ${child.exitCode}`)
      if (await ready(this.port)) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`memcached on ${this.port} did not start`)
  }

  signal (sig: NodeJS.Signals): void {
    if (this.child?.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) process.kill(this.child.pid, sig)
  }

  /**
   * SIGSTOP, resolved once every thread of the server has stopped: a thread
   * busy when the signal lands can still answer a command sent right after
   * kill(2) returns (seen here: a reply 0.4 ms after the SIGSTOP).
   */
  async freeze (): Promise<void> {
    this.signal('SIGSTOP')
    const tasks = `/proc/${this.pid ?? 0}/task`
    if (!existsSync(tasks)) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      return
    }
    const deadline = Date.now() + 5000
    while (Date.now() < deadline) {
      if (readdirSync(tasks).every((tid) => threadState(`${tasks}/${tid}/stat`) === 'T')) return
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    throw new Error(`memcached on ${this.port} did not stop`)
  }

  async kill (): Promise<void> {
    const child = this.child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    this.signal('SIGCONT')
    this.signal('SIGKILL')
    await exited
  }

  async restart (): Promise<void> {
    await this.kill()
    await this.start()
  }
}

/** A thread's state letter from /proc/<pid>/task/<tid>/stat ("tid (comm) S ..."); gone counts as stopped. */
function threadState (statPath: string): string {
  try {
    const stat = readFileSync(statPath, 'utf8')
    return stat.charAt(stat.lastIndexOf(')') + 2)
  } catch {
    return 'T'
  }
}

/** A started server; on another free port when the first was taken before memcached could bind it (it exits at once). */
async function startOnFreePort (extraArgs: readonly string[], options: MemcachedProcessOptions): Promise<MemcachedProcess> {
  for (let attempt = 1; ; attempt++) {
    const server = new MemcachedProcess(await freePort(), extraArgs, options)
    try {
      await server.start()
      return server
    } catch (err) {
      await server.kill()
      if (attempt >= 3 || !/ exited with /.test((err as Error).message)) throw err
    }
  }
}

/** Starts `count` memcached servers and registers their stop with the test. */
export async function startMemcached (t: TestContext, count: number, extraArgs: readonly string[] = [], options: MemcachedProcessOptions = {}): Promise<MemcachedProcess[]> {
  const servers: MemcachedProcess[] = []
  t.after(async () => { await Promise.all(servers.map((s) => s.kill())) })
  for (let i = 0; i < count; i++) servers.push(await startOnFreePort(extraArgs, options))
  return servers
}
