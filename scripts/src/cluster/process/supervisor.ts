import { spawn, type ChildProcess } from 'node:child_process'
import type { Writable } from 'node:stream'
import { ClusterError, invalidOption } from '../errors.js'
import { registerExitHook } from './exit-hooks.js'
import { withTimeout } from './with-timeout.js'
import { paint, paletteColour, prefixLines, shouldColour } from './line-prefixer.js'

/** What to run. `env` is the child's whole environment: the caller decides what it inherits. */
export interface ProcessSpec {
  /** Unique name, shown as the output prefix (`web-2 |`). */
  name: string
  command: string
  args?: readonly string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
}

export interface SupervisorOptions {
  /** Restart a process that exits without being asked to. Default false. */
  restartOnExit?: boolean
  /** Pause before such a restart; doubles for each crash within 5 s of starting, up to 30 s. Default 1000 ms. */
  restartDelayMs?: number
  /** How long stop() waits after SIGTERM before SIGKILL. Default 5000 ms. */
  stopGraceMs?: number
  /** Where prefixed output goes; null keeps it only in memory (see logs()). Default process.stdout. */
  output?: Writable | null
  /** Colour the prefixes. Default: when `output` is a TTY and NO_COLOR is unset. */
  colour?: boolean
  /** Output lines kept per process for logs(). Default 200. */
  logLines?: number
  /** Stop every child on the parent's SIGINT, SIGTERM and exit. Default true. */
  handleParentExit?: boolean
}

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

interface Managed {
  spec: ProcessSpec
  colourIndex: number
  child: ChildProcess | undefined
  running: boolean
  frozen: boolean
  /** False once someone asked for it to stop, so its exit is not a crash. */
  wanted: boolean
  quickCrashes: number
  restartTimer: NodeJS.Timeout | undefined
  exited: Promise<ExitInfo>
  lastExit: ExitInfo | undefined
  lines: string[]
}

const QUICK_CRASH_MS = 5_000
const MAX_RESTART_DELAY_MS = 30_000
const NAME_WIDTH = 'memcached-1'.length

function nonNegativeInteger (option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalidOption(option, value, 'a non-negative integer')
  return value
}

/**
 * Runs named child processes: prefixes their output, restarts crashed ones
 * when asked to, and stops them by PID (SIGTERM, then SIGKILL after a grace
 * period). It never signals anything it did not spawn itself.
 */
export class Supervisor {
  readonly restartOnExit: boolean
  readonly restartDelayMs: number
  readonly stopGraceMs: number
  readonly #output: Writable | null
  readonly #colour: boolean
  readonly #logLines: number
  readonly #handleParentExit: boolean
  readonly #processes = new Map<string, Managed>()
  readonly #exitListeners = new Set<(name: string, exit: ExitInfo) => void>()
  #unregisterExitHook: (() => void) | undefined
  #stopping: Promise<void> | undefined

  constructor (options: SupervisorOptions = {}) {
    this.restartOnExit = options.restartOnExit ?? false
    this.restartDelayMs = nonNegativeInteger('restartDelayMs', options.restartDelayMs, 1_000)
    this.stopGraceMs = nonNegativeInteger('stopGraceMs', options.stopGraceMs, 5_000)
    this.#logLines = nonNegativeInteger('logLines', options.logLines, 200)
    this.#output = options.output === undefined ? process.stdout : options.output
    this.#colour = options.colour ?? (this.#output !== null && shouldColour(this.#output))
    this.#handleParentExit = options.handleParentExit ?? true
  }

  /** Spawns a new process under `spec.name`, or starts a stopped one of that name again. */
  start (spec: ProcessSpec): void {
    if (this.#stopping !== undefined) throw new ClusterError('STK_ERR_CLUSTER_STATE', `cannot start ${spec.name} while stopping`)
    const existing = this.#processes.get(spec.name)
    if (existing?.running === true) throw new ClusterError('STK_ERR_CLUSTER_STATE', `${spec.name} is already running (pid ${existing.child?.pid})`)
    if (existing !== undefined) clearTimeout(existing.restartTimer)
    const managed: Managed = existing ?? {
      spec,
      colourIndex: this.#processes.size,
      child: undefined,
      running: false,
      frozen: false,
      wanted: true,
      quickCrashes: 0,
      restartTimer: undefined,
      exited: Promise.resolve({ code: null, signal: null }),
      lastExit: undefined,
      lines: []
    }
    managed.spec = spec
    managed.wanted = true
    this.#processes.set(spec.name, managed)
    this.#spawn(managed)
  }

  /** Starts a stopped process again with the spec it last ran with. */
  respawn (name: string): void {
    this.start(this.#get(name).spec)
  }

  /** Sends a raw signal to the current process of that name. SIGSTOP/SIGCONT are tracked as frozen/thawed. */
  signal (name: string, signal: NodeJS.Signals): void {
    const managed = this.#get(name)
    const pid = managed.child?.pid
    if (!managed.running || pid === undefined) throw new ClusterError('STK_ERR_CLUSTER_NOT_RUNNING', `${name} (cannot send ${signal})`)
    process.kill(pid, signal)
    if (signal === 'SIGSTOP') managed.frozen = true
    if (signal === 'SIGCONT') managed.frozen = false
  }

  /**
   * Sends `signal` on purpose (so no automatic restart follows) and resolves
   * when the process has exited. A frozen process is thawed so it can act on it.
   */
  async kill (name: string, signal: NodeJS.Signals = 'SIGKILL', timeoutMs = this.stopGraceMs + 5_000): Promise<ExitInfo> {
    const managed = this.#get(name)
    managed.wanted = false
    clearTimeout(managed.restartTimer)
    if (!managed.running) return managed.lastExit ?? { code: null, signal: null }
    this.signal(name, signal)
    if (managed.frozen && signal !== 'SIGKILL' && signal !== 'SIGSTOP') this.signal(name, 'SIGCONT')
    return await this.waitForExit(name, timeoutMs)
  }

  /** Stops one process: SIGTERM, then SIGKILL after the grace period. Resolves once it is gone. */
  async stopProcess (name: string): Promise<ExitInfo> {
    const managed = this.#get(name)
    managed.wanted = false
    clearTimeout(managed.restartTimer)
    if (!managed.running) return managed.lastExit ?? { code: null, signal: null }
    const exited = managed.exited
    this.signal(name, 'SIGTERM')
    if (managed.frozen) this.signal(name, 'SIGCONT')
    const graceful = await withTimeout(exited, this.stopGraceMs)
    if (graceful !== 'timeout') return graceful
    this.#note(managed, `did not exit ${this.stopGraceMs} ms after SIGTERM; sending SIGKILL`)
    if (managed.running) this.signal(name, 'SIGKILL')
    return await exited
  }

  /** Stops the process and starts it again with the same spec. */
  async restart (name: string): Promise<void> {
    await this.stopProcess(name)
    this.respawn(name)
  }

  /** Resolves with the exit of the current process of that name (at once if it is not running). */
  async waitForExit (name: string, timeoutMs: number): Promise<ExitInfo> {
    const managed = this.#get(name)
    const result = await withTimeout(managed.exited, timeoutMs)
    if (result === 'timeout') throw new ClusterError('STK_ERR_CLUSTER_EXIT_TIMEOUT', `${name} still running after ${timeoutMs} ms`)
    return result
  }

  /** Stops every process (in parallel) and releases the parent's signal handlers. Safe to call twice. */
  async stop (): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.allSettled([...this.#processes.keys()].map(async (name) => await this.stopProcess(name)))
      this.#unregisterExitHook?.()
      this.#unregisterExitHook = undefined
    })()
    try {
      await this.#stopping
    } finally {
      this.#stopping = undefined
    }
  }

  /** Calls `listener` whenever any process exits, crash or not. Returns an unsubscribe function. */
  onExit (listener: (name: string, exit: ExitInfo) => void): () => void {
    this.#exitListeners.add(listener)
    return () => this.#exitListeners.delete(listener)
  }

  pid (name: string): number | undefined {
    const managed = this.#get(name)
    return managed.running ? managed.child?.pid : undefined
  }

  isRunning (name: string): boolean { return this.#get(name).running }
  isFrozen (name: string): boolean { return this.#get(name).frozen }
  has (name: string): boolean { return this.#processes.has(name) }
  names (): string[] { return [...this.#processes.keys()] }

  /** PIDs of every running child, for leak checks. */
  pids (): number[] {
    return [...this.#processes.values()].flatMap((m) => m.running && m.child?.pid !== undefined ? [m.child.pid] : [])
  }

  /** The last output lines of that process (all its restarts), without prefixes. */
  logs (name: string): string[] { return [...this.#get(name).lines] }

  #get (name: string): Managed {
    const managed = this.#processes.get(name)
    if (managed === undefined) throw new ClusterError('STK_ERR_CLUSTER_UNKNOWN_PROCESS', `${JSON.stringify(name)} (known: ${this.names().join(', ') || 'none'})`)
    return managed
  }

  #spawn (managed: Managed): void {
    if (this.#handleParentExit && this.#unregisterExitHook === undefined) {
      this.#unregisterExitHook = registerExitHook({
        graceful: async () => await this.stop(),
        immediate: () => this.killAllNow()
      })
    }
    const { spec } = managed
    const child = spawn(spec.command, spec.args ?? [], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const startedAt = Date.now()
    managed.child = child
    managed.running = true
    managed.frozen = false
    const remember = (line: string): void => {
      managed.lines.push(line)
      if (managed.lines.length > this.#logLines) managed.lines.shift()
    }
    for (const stream of [child.stdout, child.stderr]) {
      prefixLines(stream, {
        name: spec.name,
        width: NAME_WIDTH,
        colour: paletteColour(managed.colourIndex),
        useColour: this.#colour,
        output: this.#output,
        onLine: remember
      })
    }
    managed.exited = new Promise<ExitInfo>((resolve) => {
      let done = false
      const finish = (exit: ExitInfo): void => {
        if (done) return
        done = true
        managed.running = false
        managed.frozen = false
        managed.lastExit = exit
        resolve(exit)
        this.#afterExit(managed, exit, Date.now() - startedAt)
      }
      child.once('exit', (code, signal) => finish({ code, signal }))
      // A command that cannot be spawned (ENOENT, EACCES) emits only 'error'.
      child.once('error', (err) => {
        this.#note(managed, `failed to start: ${err.message}`)
        finish({ code: null, signal: null })
      })
    })
  }

  #afterExit (managed: Managed, exit: ExitInfo, livedMs: number): void {
    const how = exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`
    for (const listener of this.#exitListeners) listener(managed.spec.name, exit)
    if (!managed.wanted) {
      this.#note(managed, `stopped (${how})`)
      return
    }
    if (!this.restartOnExit || this.#stopping !== undefined) {
      this.#note(managed, `exited with ${how}`)
      return
    }
    managed.quickCrashes = livedMs < QUICK_CRASH_MS ? managed.quickCrashes + 1 : 0
    const delayMs = Math.min(this.restartDelayMs * 2 ** Math.max(0, managed.quickCrashes - 1), MAX_RESTART_DELAY_MS)
    this.#note(managed, `exited with ${how}; restarting in ${delayMs} ms`)
    managed.restartTimer = setTimeout(() => {
      if (managed.wanted && !managed.running && this.#stopping === undefined) this.#spawn(managed)
    }, delayMs)
  }

  #note (managed: Managed, message: string): void {
    const label = `${managed.spec.name.padEnd(NAME_WIDTH)} |`
    const line = `[supervisor] ${message}`
    managed.lines.push(line)
    if (managed.lines.length > this.#logLines) managed.lines.shift()
    this.#output?.write(this.#colour ? `${paint(paletteColour(managed.colourIndex), label)} ${paint('dim', line)}\n` : `${label} ${line}\n`)
  }

  /** SIGKILLs every child synchronously; for the parent's `exit` event, where nothing can be awaited. */
  killAllNow (): void {
    for (const managed of this.#processes.values()) {
      clearTimeout(managed.restartTimer)
      managed.wanted = false
      const pid = managed.child?.pid
      if (managed.running && pid !== undefined) {
        try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
      }
    }
  }
}
