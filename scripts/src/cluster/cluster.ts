import { resolveClusterOptions, type ClusterOptions, type ResolvedClusterOptions } from './cluster-options.js'
import { ClusterError, logTail, processExitedError } from './errors.js'
import { createMemcachedSecurity, type MemcachedSecurity } from './memcached-security.js'
import { CLUSTER_HOST, clusterUrl, type ClusterInfo, type Member, type ProcessRole } from './members.js'
import { planPoolChange, type PoolChange, type PoolChangeOptions, type PoolChangeReport } from './pool-change.js'
import { runPoolChange, type PoolChangeHost } from './pool-change-steps.js'
import { assertClusterCommands } from './process/command-check.js'
import { registerExitHook } from './process/exit-hooks.js'
import { choosePort, freePort, releasePorts } from './process/free-port.js'
import { lbSpec, memcachedSpec, sessionServersFor, webSpec } from './process/process-specs.js'
import { Supervisor, type ExitInfo, type ProcessSpec } from './process/supervisor.js'
import { waitForRotation, waitReady } from './probes/readiness.js'

export interface WaitOptions {
  /** Default: the cluster's startTimeoutMs. */
  timeoutMs?: number
}

type State = 'idle' | 'starting' | 'running' | 'stopping'

/**
 * A local stickless cluster: memcached servers, web nodes and the LB as child
 * processes on loopback. `npm start`, the integration tests and the
 * Playwright fixture all use this class, so they all run the same topology.
 * This class keeps the state and the order of things (start, stop, restart,
 * pool change); what each process is given is process/process-specs.ts,
 * when it is ready probes/readiness.ts, the pool change's steps
 * pool-change-steps.ts.
 *
 * Process names: memcached-1..N, web-1..N, lb.
 */
export class Cluster {
  readonly options: ResolvedClusterOptions
  readonly #supervisor: Supervisor
  readonly #members = new Map<string, Member>()
  #state: State = 'idle'
  #sessionServers = ''
  /** The memcached servers in SESSION_SERVERS, by name. */
  #pool: string[] = []
  /** SESSION_SERVERS_PREVIOUS while a pool change rolls through the nodes. */
  #previousSessionServers: string | undefined
  #changingPool = false
  /** The run's certificates and password when secureMemcached is on. */
  #security: MemcachedSecurity | undefined
  #lbAdminPort = 0
  #stopping: Promise<void> | undefined
  #unregisterExitHook: (() => void) | undefined
  /** Ends start()'s waits early: a process died, or stop() was called. */
  #startAbort: AbortController | undefined
  /** What the readiness waits and the pool-change steps see of this cluster. */
  readonly #host: PoolChangeHost

  constructor (options: ClusterOptions = {}) {
    this.options = resolveClusterOptions(options)
    this.#supervisor = new Supervisor({
      restartOnExit: this.options.restartOnExit,
      restartDelayMs: this.options.restartDelayMs,
      stopGraceMs: this.options.stopGraceMs,
      output: this.options.output,
      colour: this.options.colour,
      // The cluster registers its own hook so a Ctrl-C stops processes in the cluster's order (LB first).
      handleParentExit: false
    })
    this.#host = this.#makeHost()
  }

  /**
   * Starts memcached, then the web nodes, then the LB, and resolves once every
   * web node answers GET /healthz with 200 through the LB. On failure (or
   * after startTimeoutMs) everything started is stopped and the error names
   * the process with its last output lines.
   */
  async start (): Promise<ClusterInfo> {
    if (this.#state !== 'idle') throw new ClusterError('STK_ERR_CLUSTER_STATE', `start() called while ${this.#state}`)
    this.#state = 'starting'
    if (this.options.handleParentExit) {
      this.#unregisterExitHook = registerExitHook({
        graceful: async () => await this.stop(),
        immediate: () => this.#supervisor.killAllNow()
      })
    }
    const deadline = Date.now() + this.options.startTimeoutMs
    const remainingMs = (): number => Math.max(1, deadline - Date.now())
    // Any death during start-up fails start() at once instead of at the deadline.
    const abort = new AbortController()
    this.#startAbort = abort
    const unsubscribe = this.#supervisor.onExit((name, exit) => {
      // Exits caused by a stop() are not the failure; the stop is (see #assertStillStarting).
      if (this.#state === 'starting') abort.abort(processExitedError(name, exit, this.#tail(name)))
    })
    try {
      assertClusterCommands(this.options.commands)
      if (this.options.secureMemcached) this.#security ??= createMemcachedSecurity()
      await this.#assignPorts()
      for (const m of this.#byRole('memcached')) this.#spawnDuringStart(this.#memcachedSpec(m))
      await Promise.all(this.#byRole('memcached').map(async (m) => await waitReady(this.#host, m, remainingMs(), abort.signal)))
      for (const m of this.#byRole('web')) this.#spawnDuringStart(this.#webSpec(m))
      await Promise.all(this.#byRole('web').map(async (m) => await waitReady(this.#host, m, remainingMs(), abort.signal)))
      this.#spawnDuringStart(this.#lbSpec(this.#member('lb')))
      await waitReady(this.#host, this.#member('lb'), remainingMs(), abort.signal)
      this.#assertStillStarting('ready')
      this.#state = 'running'
      return this.info()
    } catch (err) {
      // A death is the real cause even when the wait reported it as an AbortError.
      const cause: unknown = abort.signal.aborted ? abort.signal.reason : err
      unsubscribe()
      await this.stop()
      throw cause
    } finally {
      unsubscribe()
      this.#startAbort = undefined
    }
  }

  /** Stops the LB, then the web nodes, then memcached, each by PID. Safe to call twice or before start(). */
  async stop (): Promise<void> {
    if (this.#state === 'idle') return
    this.#stopping ??= (async () => {
      this.#state = 'stopping'
      this.#startAbort?.abort(new ClusterError('STK_ERR_CLUSTER_STATE', 'stop() was called while starting'))
      // The entry point first, so no client request is routed to a node that is already going.
      const stopAll = async (role: ProcessRole): Promise<void> => {
        await Promise.allSettled(this.#byRole(role).filter((m) => this.#supervisor.has(m.name)).map(async (m) => await this.#supervisor.stopProcess(m.name)))
      }
      await stopAll('lb')
      await stopAll('web')
      await stopAll('memcached')
      await this.#supervisor.stop()
      releasePorts([...this.#members.values()].map((m) => m.port).concat(this.#lbAdminPort))
      this.#security?.dispose()
      this.#security = undefined
      this.#unregisterExitHook?.()
      this.#unregisterExitHook = undefined
      this.#state = 'idle'
    })()
    try {
      await this.#stopping
    } finally {
      this.#stopping = undefined
    }
  }

  /** Sends `signal` on purpose (no automatic restart follows) and resolves when the process has exited. */
  async kill (name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    this.#member(name)
    return await this.#supervisor.kill(name, signal)
  }

  /** Sends any signal without waiting. */
  signal (name: string, signal: NodeJS.Signals): void {
    this.#member(name)
    this.#supervisor.signal(name, signal)
  }

  /** SIGSTOP: the process keeps its sockets open but answers nothing. */
  freeze (name: string): void { this.signal(name, 'SIGSTOP') }

  /** SIGCONT: undoes freeze(). */
  thaw (name: string): void { this.signal(name, 'SIGCONT') }

  /**
   * Stops the process (SIGTERM, SIGKILL after stopGraceMs; a frozen one is
   * thawed first), starts it again on the same port and waits until it is
   * healthy. memcached comes back empty. Also revives a killed process.
   */
  async restart (name: string, options: WaitOptions = {}): Promise<void> {
    this.#assertRunning()
    this.#member(name)
    await this.#supervisor.restart(name)
    await this.waitForHealthy(name, options)
  }

  /**
   * Waits until the process answers: memcached its `version`; a web node
   * GET /healthz with 200 directly and, while the LB runs, through the LB;
   * the LB its status.json and every running, unfrozen web node through it.
   */
  async waitForHealthy (name: string, options: WaitOptions = {}): Promise<void> {
    await waitReady(this.#host, this.#member(name), options.timeoutMs ?? this.options.startTimeoutMs)
  }

  /** Waits until each named web node (default: every running, unfrozen one) has answered /healthz through the LB. */
  async waitForRotation (names?: readonly string[], options: WaitOptions = {}): Promise<void> {
    await waitForRotation(this.#host, names ?? this.#servingWebNodes(), options.timeoutMs ?? this.options.startTimeoutMs)
  }

  /** Resolves with the exit of the process (at once when it is not running). */
  async waitForExit (name: string, timeoutMs = this.options.stopGraceMs + 5_000): Promise<ExitInfo> {
    this.#member(name)
    return await this.#supervisor.waitForExit(name, timeoutMs)
  }

  pid (name: string): number | undefined {
    this.#member(name)
    return this.#supervisor.has(name) ? this.#supervisor.pid(name) : undefined
  }

  /** PIDs of every running child. */
  pids (): number[] { return this.#supervisor.pids() }

  isRunning (name: string): boolean { return this.pid(name) !== undefined }
  isFrozen (name: string): boolean { return this.#supervisor.has(this.#member(name).name) && this.#supervisor.isFrozen(name) }

  /** The last output lines of a process, for assertion messages. */
  logs (name: string): string[] {
    this.#member(name)
    return this.#supervisor.has(name) ? this.#supervisor.logs(name) : []
  }

  /** Every process name, in start order: memcached-1.., web-1.., lb. */
  get names (): string[] { return [...this.#members.keys()] }
  get webNames (): string[] { return this.#byRole('web').map((m) => m.name) }
  get memcachedNames (): string[] { return this.#byRole('memcached').map((m) => m.name) }

  /** The server string (SESSION_SERVERS) every web node got (during a pool change: the new pool's, given to each node as it rolls). */
  get sessionServers (): string { return this.#sessionServers }

  /** The memcached servers in sessionServers, by name. */
  get poolNames (): string[] { return [...this.#pool] }

  /**
   * Changes the memcached pool while every session stays readable, by the
   * README's procedure ("Changing the memcached pool"): (1) start the new
   * servers; (2) roll the web nodes one at a time, each waiting until it is
   * healthy and in the LB's rotation, with SESSION_SERVERS the new pool and
   * SESSION_SERVERS_PREVIOUS the old one; (3) wait until the last node rolled
   * reports its rebalance on /metrics; (4) roll them again on the new pool
   * alone; (5) stop the retired servers. A web node that was stopped is
   * started by the roll. Needs the real web nodes (their /metrics).
   */
  async changePool (change: PoolChange, options: PoolChangeOptions = {}): Promise<PoolChangeReport> {
    this.#assertRunning()
    if (this.#changingPool) throw new ClusterError('STK_ERR_CLUSTER_STATE', 'a pool change is already under way')
    const known = [...new Set([...this.#supervisor.names(), ...this.memcachedNames])]
    const plan = planPoolChange(this.#pool, known, change)
    this.#changingPool = true
    try {
      return await runPoolChange(this.#host, plan, options, options.timeoutMs ?? this.options.startTimeoutMs)
    } finally {
      this.#changingPool = false
    }
  }

  port (name: string): number { return this.#member(name).port }

  /** A URL on the LB, e.g. lbUrl('/login'). */
  lbUrl (path = '/'): string { return clusterUrl(this.port('lb'), path) }

  /** A URL on the LB's admin port, e.g. lbAdminUrl('/status.json'). */
  lbAdminUrl (path = '/'): string { return clusterUrl(this.#lbAdminPort, path) }

  /** A URL on one web node directly, bypassing the LB. */
  webUrl (name: string, path = '/'): string {
    if (this.#member(name).role !== 'web') throw new ClusterError('STK_ERR_CLUSTER_UNKNOWN_PROCESS', `${name} is not a web node`)
    return clusterUrl(this.port(name), path)
  }

  /** host:port of a memcached server. */
  memcachedAddress (name: string): string {
    const m = this.#member(name)
    if (m.role !== 'memcached') throw new ClusterError('STK_ERR_CLUSTER_UNKNOWN_PROCESS', `${name} is not a memcached server`)
    return `${CLUSTER_HOST}:${m.port}`
  }

  info (): ClusterInfo {
    return {
      url: this.lbUrl(),
      statusUrl: this.lbAdminUrl('/status'),
      adminUrl: this.lbAdminUrl(),
      sessionServers: this.#sessionServers,
      memcached: this.memcachedNames.map((name) => ({ name, address: this.memcachedAddress(name), pid: this.pid(name) })),
      web: this.webNames.map((name) => ({ name, url: this.webUrl(name), pid: this.pid(name) })),
      lb: { name: 'lb', url: this.lbUrl(), pid: this.pid('lb') }
    }
  }

  /** The view readiness.ts and pool-change-steps.ts get: reads, and the few changes a pool change makes. */
  #makeHost (): PoolChangeHost {
    return {
      supervisor: this.#supervisor,
      restartOnExit: this.options.restartOnExit,
      security: () => this.#security,
      webNames: () => this.webNames,
      pool: () => [...this.#pool],
      sessionServers: () => this.#sessionServers,
      servingWebNodes: () => this.#servingWebNodes(),
      webUrl: (name, path) => this.webUrl(name, path),
      lbUrl: (path) => this.lbUrl(path),
      lbAdminUrl: (path) => this.lbAdminUrl(path),
      tail: (name) => this.#tail(name),
      logs: (name) => this.logs(name),
      assertRunning: () => this.#assertRunning(),
      usePool: (names, previous) => {
        this.#setPool(names)
        this.#previousSessionServers = previous
      },
      memcachedPort: async (name) => await this.#memcachedPort(name),
      addMemcachedMembers: (added) => {
        // memcached first, so names stays in start order (memcached-1.., web-1.., lb).
        const others = [...this.#members.values()]
        this.#members.clear()
        for (const m of [...others.filter((o) => o.role === 'memcached'), ...added, ...others.filter((o) => o.role !== 'memcached')]) this.#members.set(m.name, m)
      },
      removeMember: (name) => {
        releasePorts([this.port(name)])
        this.#members.delete(name)
      },
      webMembers: () => this.#byRole('web'),
      memcachedSpec: (m) => this.#memcachedSpec(m),
      webSpec: (m) => this.#webSpec(m)
    }
  }

  #member (name: string): Member {
    const m = this.#members.get(name)
    if (m === undefined) {
      throw new ClusterError('STK_ERR_CLUSTER_UNKNOWN_PROCESS', `${JSON.stringify(name)} (known: ${this.names.join(', ') || 'none; call start() first'})`)
    }
    return m
  }

  #byRole (role: ProcessRole): Member[] {
    return [...this.#members.values()].filter((m) => m.role === role)
  }

  #assertRunning (): void {
    if (this.#state !== 'running') throw new ClusterError('STK_ERR_CLUSTER_STATE', `the cluster is ${this.#state}`)
  }

  #servingWebNodes (): string[] {
    return this.webNames.filter((name) => this.isRunning(name) && !this.isFrozen(name))
  }

  /** A stop() that arrives while start() awaits must not be followed by new children nobody will stop. */
  #spawnDuringStart (spec: ProcessSpec): void {
    this.#assertStillStarting(spec.name)
    this.#supervisor.start(spec)
  }

  #assertStillStarting (step: string): void {
    // A cast: TypeScript narrowed #state to 'starting' at the top of start() and cannot see stop() change it.
    const state = this.#state
    if (state !== 'starting') throw new ClusterError('STK_ERR_CLUSTER_STATE', `stop() was called while starting (before ${step})`)
  }

  async #assignPorts (): Promise<void> {
    const { ports, portMode, webNodes, memcachedServers } = this.options
    const pick = async (wanted: number): Promise<number> => wanted === 0 ? await freePort(CLUSTER_HOST) : await choosePort(wanted, portMode, CLUSTER_HOST)
    const add = (name: string, role: ProcessRole, port: number): void => { this.#members.set(name, { name, role, port }) }
    this.#members.clear()
    for (let i = 0; i < memcachedServers; i++) add(`memcached-${i + 1}`, 'memcached', await this.#memcachedPort(`memcached-${i + 1}`))
    for (let i = 0; i < webNodes; i++) add(`web-${i + 1}`, 'web', await pick(ports.webBase === 0 ? 0 : ports.webBase + i))
    add('lb', 'lb', await pick(ports.lb))
    this.#lbAdminPort = await pick(ports.lbAdmin)
    this.#previousSessionServers = undefined
    this.#setPool(this.memcachedNames)
  }

  /** The port a memcached server gets: memcached-N the base port + N - 1 when the mode allows. */
  async #memcachedPort (name: string): Promise<number> {
    const { ports, portMode } = this.options
    const index = Number(name.slice('memcached-'.length)) - 1
    return ports.memcachedBase === 0 ? await freePort(CLUSTER_HOST) : await choosePort(ports.memcachedBase + index, portMode, CLUSTER_HOST)
  }

  #setPool (names: readonly string[]): void {
    this.#pool = [...names]
    this.#sessionServers = sessionServersFor(names.map((name) => this.#member(name)), this.options, this.#security)
  }

  #memcachedSpec (m: Member): ProcessSpec {
    return memcachedSpec(m, this.options, this.#security)
  }

  #webSpec (m: Member): ProcessSpec {
    return webSpec(m, this.options, {
      sessionServers: this.#sessionServers,
      previousSessionServers: this.#previousSessionServers,
      lbStatusUrl: this.lbAdminUrl('/status.json')
    })
  }

  #lbSpec (m: Member): ProcessSpec {
    return lbSpec(m, this.options, { adminPort: this.#lbAdminPort, web: this.#byRole('web') })
  }

  #tail (name: string): string {
    return logTail(name, this.logs(name))
  }
}
