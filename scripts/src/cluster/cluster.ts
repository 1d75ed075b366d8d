import { assertCommandExists } from './process/command-check.js'
import { resolveClusterOptions, type ClusterOptions, type CommandSpec, type ResolvedClusterOptions } from './cluster-options.js'
import { ClusterError } from './errors.js'
import { registerExitHook } from './process/exit-hooks.js'
import { choosePort, freePort, releasePorts } from './process/free-port.js'
import { probeHttp } from './probes/http-probe.js'
import { memcachedVersion } from './probes/memcached-probe.js'
import { planPoolChange, storeEventCount, type PoolChange, type PoolChangeOptions, type PoolChangeReport } from './pool-change.js'
import { createMemcachedSecurity, MEMCACHED_TLS_NAME, secureMemcachedVersion, type MemcachedSecurity } from './memcached-security.js'
import { formatSessionServers } from './session-servers.js'
import { Supervisor, type ExitInfo, type ProcessSpec } from './process/supervisor.js'
import { waitUntil, WaitTimeoutError } from './probes/wait-until.js'

export type ProcessRole = 'memcached' | 'web' | 'lb'

/** The loopback address every process binds: the contract allows no other target. */
export const CLUSTER_HOST = '127.0.0.1'

/**
 * The address the LB connects to web nodes from. On one machine every client
 * is 127.0.0.1, so a node trusting that address for X-Forwarded-* would trust
 * anyone who calls it directly. Linux routes all of 127.0.0.0/8 to loopback,
 * so the LB takes 127.0.0.2 and the nodes trust only that; other systems
 * (macOS has only 127.0.0.1) fall back to sharing the address.
 */
export const LB_SOURCE_ADDRESS = process.platform === 'linux' ? '127.0.0.2' : CLUSTER_HOST

interface Member {
  name: string
  role: ProcessRole
  port: number
}

export interface ClusterInfo {
  /** The LB, what a browser opens. */
  url: string
  /** The LB's status page (HTML). */
  statusUrl: string
  adminUrl: string
  sessionServers: string
  memcached: Array<{ name: string, address: string, pid: number | undefined }>
  web: Array<{ name: string, url: string, pid: number | undefined }>
  lb: { name: 'lb', url: string, pid: number | undefined }
}

export interface WaitOptions {
  /** Default: the cluster's startTimeoutMs. */
  timeoutMs?: number
}

type State = 'idle' | 'starting' | 'running' | 'stopping'

/** How many requests through the LB per polling round: enough for round robin to reach every node twice. */
const ROTATION_ROUND_FACTOR = 2
const LOG_TAIL_LINES = 20

/**
 * A local stickless cluster: memcached servers, web nodes and the LB as child
 * processes on loopback. `npm start`, the integration tests and the
 * Playwright fixture all use this class, so they all run the same topology.
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
      if (this.#state === 'starting') abort.abort(this.#exitedError(name, exit))
    })
    try {
      this.#checkCommands()
      if (this.options.secureMemcached) this.#security ??= createMemcachedSecurity()
      await this.#assignPorts()
      for (const m of this.#byRole('memcached')) this.#spawnDuringStart(this.#memcachedSpec(m))
      await Promise.all(this.#byRole('memcached').map(async (m) => await this.#waitReady(m, remainingMs(), abort.signal)))
      for (const m of this.#byRole('web')) this.#spawnDuringStart(this.#webSpec(m))
      await Promise.all(this.#byRole('web').map(async (m) => await this.#waitReady(m, remainingMs(), abort.signal)))
      this.#spawnDuringStart(this.#lbSpec(this.#member('lb')))
      await this.#waitReady(this.#member('lb'), remainingMs(), abort.signal)
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
    await this.#waitReady(this.#member(name), options.timeoutMs ?? this.options.startTimeoutMs)
  }

  /** Waits until each named web node (default: every running, unfrozen one) has answered /healthz through the LB. */
  async waitForRotation (names?: readonly string[], options: WaitOptions = {}): Promise<void> {
    await this.#waitForRotation(names ?? this.#servingWebNodes(), options.timeoutMs ?? this.options.startTimeoutMs)
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

  /** The SESSION_SERVERS string every web node got (during a pool change: the new pool's, given to each node as it rolls). */
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
    const timeoutMs = options.timeoutMs ?? this.options.startTimeoutMs
    const step = (text: string): void => { options.onStep?.(text) }
    const started = Date.now()
    const before = [...this.#pool]
    this.#changingPool = true
    try {
      if (plan.added.length > 0) {
        step(`1. start ${plan.added.join(', ')}`)
        await this.#addMemcached(plan.added, timeoutMs)
      }
      const previous = this.#sessionServers
      this.#setPool(plan.after)
      this.#previousSessionServers = previous
      step(`2. roll the web nodes onto ${plan.after.join(', ')}, with the previous pool ${before.join(', ')}`)
      await this.#rollWebNodes(timeoutMs, step)
      const last = this.webNames[this.webNames.length - 1] as string
      step(`3. wait for the rebalance of ${last}, the last node rolled`)
      const rebalancedKeys = await this.#waitForRebalance(last, timeoutMs)
      this.#previousSessionServers = undefined
      step(`4. roll the web nodes onto ${plan.after.join(', ')} alone`)
      await this.#rollWebNodes(timeoutMs, step)
      if (plan.removed.length > 0) {
        step(`5. stop ${plan.removed.join(', ')}`)
        await this.#retireMemcached(plan.removed)
      }
      return { before, after: [...plan.after], added: plan.added, removed: plan.removed, rebalancedKeys, ms: Date.now() - started }
    } finally {
      this.#changingPool = false
    }
  }

  port (name: string): number { return this.#member(name).port }

  /** A URL on the LB, e.g. lbUrl('/login'). */
  lbUrl (path = '/'): string { return this.#url(this.port('lb'), path) }

  /** A URL on the LB's admin port, e.g. lbAdminUrl('/status.json'). */
  lbAdminUrl (path = '/'): string { return this.#url(this.#lbAdminPort, path) }

  /** A URL on one web node directly, bypassing the LB. */
  webUrl (name: string, path = '/'): string {
    if (this.#member(name).role !== 'web') throw new ClusterError('STK_ERR_CLUSTER_UNKNOWN_PROCESS', `${name} is not a web node`)
    return this.#url(this.port(name), path)
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

  #url (port: number, path: string): string {
    return new URL(path, `http://${CLUSTER_HOST}:${port}`).toString()
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

  #checkCommands (): void {
    const { commands } = this.options
    assertCommandExists('memcached', { command: commands.memcached }, 'Install it (Debian: apt-get install memcached) or set commands.memcached.')
    const build = 'Run `npm run build` first (or pass commands.web / commands.lb).'
    assertCommandExists('web', commands.web, build)
    assertCommandExists('lb', commands.lb, build)
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
    this.#sessionServers = formatSessionServers(names.map((name) => this.#member(name)).map((m) => ({
      host: CLUSTER_HOST,
      port: m.port,
      weight: this.options.sessionServerParams.weight,
      timeoutS: this.options.sessionServerParams.timeoutS,
      retryIntervalS: this.options.sessionServerParams.retryIntervalS,
      tls: this.#security === undefined ? undefined : { caFile: this.#security.caFile, servername: MEMCACHED_TLS_NAME },
      credentials: this.#security === undefined ? undefined : { username: this.#security.username, password: this.#security.password }
    })))
  }

  /** Step 1 of a pool change: new memcached servers, ready before any node names them. */
  async #addMemcached (names: readonly string[], timeoutMs: number): Promise<void> {
    const added: Member[] = []
    for (const name of names) added.push({ name, role: 'memcached', port: await this.#memcachedPort(name) })
    // memcached first, so names stays in start order (memcached-1.., web-1.., lb).
    const others = [...this.#members.values()]
    this.#members.clear()
    for (const m of [...others.filter((o) => o.role === 'memcached'), ...added, ...others.filter((o) => o.role !== 'memcached')]) this.#members.set(m.name, m)
    for (const m of added) this.#supervisor.start(this.#memcachedSpec(m))
    await Promise.all(added.map(async (m) => await this.#waitReady(m, timeoutMs)))
  }

  /** Steps 2 and 4: each web node in turn drains and exits, starts with the current pool's env, and is back in the LB's rotation before the next goes. */
  async #rollWebNodes (timeoutMs: number, step: (text: string) => void): Promise<void> {
    for (const m of this.#byRole('web')) {
      this.#assertRunning()
      step(`   restart ${m.name}`)
      await this.#supervisor.stopProcess(m.name)
      this.#supervisor.start(this.#webSpec(m))
      await this.#waitReady(m, timeoutMs)
    }
  }

  /**
   * Step 3: the node's store counts a finished rebalance. Resolves with the
   * keys every node's rebalance has copied by then: the earlier nodes' runs
   * often leave the last one nothing to move.
   */
  async #waitForRebalance (name: string, timeoutMs: number): Promise<number> {
    try {
      await waitUntil(async () => {
        // logs() spans every run of the node: only lines since its last start count.
        const lines = this.logs(name)
        const sinceStart = lines.slice(lines.findLastIndex((line) => line.includes('web node ready')) + 1)
        if (sinceStart.some((line) => line.includes('memcached pool rebalance failed'))) {
          throw new ClusterError('STK_ERR_CLUSTER_STATE', `${name}'s rebalance failed\n${this.#tail(name)}`)
        }
        const metrics = await this.#metricsOf(name)
        if (metrics === undefined) return false
        return (storeEventCount(metrics, 'rebalances') ?? 0) >= 1
      }, { timeoutMs, intervalMs: 200, what: `${name} to report its rebalance (stickless_session_store_events_total{event="rebalances"} on /metrics)` })
    } catch (err) {
      if (err instanceof WaitTimeoutError) throw this.#timeoutError(name, err)
      throw err
    }
    const copied = await Promise.all(this.webNames.map(async (web) => storeEventCount(await this.#metricsOf(web) ?? '', 'rebalancedKeys') ?? 0))
    return copied.reduce((sum, n) => sum + n, 0)
  }

  /** A web node's /metrics text, whole (longer than a status probe keeps), or undefined when it does not answer 200. */
  async #metricsOf (name: string): Promise<string | undefined> {
    const res = await probeHttp(this.webUrl(name, '/metrics'), 2_000, 4 * 1024 * 1024)
    return res?.status === 200 ? res.body : undefined
  }

  /** Step 5: no node names these servers any more. Their keys expire with their TTL (README). */
  async #retireMemcached (names: readonly string[]): Promise<void> {
    for (const name of names) {
      await this.#supervisor.stopProcess(name)
      releasePorts([this.port(name)])
      this.#members.delete(name)
    }
  }

  #memcachedSpec (m: Member): { name: string, command: string, args: string[], env: NodeJS.ProcessEnv } {
    const o = this.options
    // memcached refuses to run as root without -u; nobody is the unprivileged user every Debian has.
    const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : []
    return {
      name: m.name,
      command: o.commands.memcached,
      args: ['-l', CLUSTER_HOST, '-p', String(m.port), '-U', '0', '-m', String(o.memcachedMemoryMb), '-c', String(o.memcachedConnections), ...user, ...(this.#security?.memcachedArgs ?? []), ...o.memcachedArgs],
      env: process.env
    }
  }

  #webSpec (m: Member): { name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string } {
    return this.#nodeSpec(m.name, this.options.commands.web, {
      PORT: String(m.port),
      HOST: CLUSTER_HOST,
      NODE_NAME: m.name,
      SESSION_SERVERS: this.#sessionServers,
      // Set only while a pool change rolls; never inherited from our own env.
      SESSION_SERVERS_PREVIOUS: this.#previousSessionServers,
      SESSION_SECRETS: this.options.sessionSecrets,
      LB_STATUS_URL: this.lbAdminUrl('/status.json'),
      // The LB reaches the nodes over loopback: only it may set X-Forwarded-*.
      TRUSTED_PROXIES: LB_SOURCE_ADDRESS
    }, this.options.webEnv)
  }

  #lbSpec (m: Member): { name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string } {
    return this.#nodeSpec(m.name, this.options.commands.lb, {
      LB_PORT: String(m.port),
      LB_HOST: CLUSTER_HOST,
      LB_ADMIN_PORT: String(this.#lbAdminPort),
      LB_ADMIN_HOST: CLUSTER_HOST,
      ...(LB_SOURCE_ADDRESS === CLUSTER_HOST ? {} : { LB_UPSTREAM_LOCAL_ADDRESS: LB_SOURCE_ADDRESS }),
      LB_BACKENDS: this.#byRole('web').map((w) => `${w.name}=http://${CLUSTER_HOST}:${w.port}`).join(',')
    }, this.options.lbEnv)
  }

  #nodeSpec (
    name: string,
    command: CommandSpec,
    own: Record<string, string | undefined>,
    roleEnv: Readonly<Record<string, string | undefined>>
  ): { name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string } {
    const env: NodeJS.ProcessEnv = { ...process.env }
    // Set by `node --test` in test processes; a child that inherited it would believe it is a test file.
    delete env.NODE_TEST_CONTEXT
    for (const [key, value] of Object.entries({ ...own, ...this.options.env, ...roleEnv })) {
      if (value === undefined) delete env[key]
      else env[key] = value
    }
    return { name, command: command.command, args: command.args ?? [], env, cwd: command.cwd ?? this.options.rootDir }
  }

  async #waitReady (m: Member, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const assertAlive = (): void => {
      // With restartOnExit the supervisor brings it back; without, waiting is pointless.
      if (!this.#supervisor.isRunning(m.name) && !this.options.restartOnExit) {
        throw this.#exitedError(m.name, undefined)
      }
    }
    const wait = async (what: string, check: () => Promise<boolean>, ms: number): Promise<void> => {
      try {
        await waitUntil(async () => { assertAlive(); return await check() }, { timeoutMs: ms, what, signal })
      } catch (err) {
        if (err instanceof WaitTimeoutError) throw this.#timeoutError(m.name, err)
        throw err
      }
    }
    const deadline = Date.now() + timeoutMs
    const left = (): number => Math.max(1, deadline - Date.now())
    if (m.role === 'memcached') {
      const security = this.#security
      const version = security === undefined
        ? async () => await memcachedVersion(CLUSTER_HOST, m.port, 500)
        : async () => await secureMemcachedVersion(CLUSTER_HOST, m.port, security, 500)
      await wait(`${m.name} to answer version`, async () => await version() !== undefined, left())
      return
    }
    if (m.role === 'web') {
      await wait(`${m.name} GET /healthz 200`, async () => (await probeHttp(this.webUrl(m.name, '/healthz')))?.status === 200, left())
      if (this.#supervisor.has('lb') && this.#supervisor.isRunning('lb') && !this.#supervisor.isFrozen('lb')) {
        await this.#waitForRotation([m.name], left(), signal)
      }
      return
    }
    await wait('lb admin GET /status.json 200', async () => (await probeHttp(this.lbAdminUrl('/status.json')))?.status === 200, left())
    await this.#waitForRotation(this.#servingWebNodes(), left(), signal)
  }

  async #waitForRotation (names: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const missing = new Set(names)
    const roundSize = Math.max(1, this.webNames.length * ROTATION_ROUND_FACTOR)
    try {
      await waitUntil(async () => {
        for (let i = 0; i < roundSize && missing.size > 0; i++) {
          const res = await probeHttp(this.lbUrl('/healthz'))
          if (res?.status === 200 && res.servedBy !== undefined) missing.delete(res.servedBy)
        }
        return missing.size === 0
      }, { timeoutMs, what: `${[...missing].join(', ')} in the LB's rotation (GET /healthz through the LB)`, signal })
    } catch (err) {
      if (err instanceof WaitTimeoutError) {
        throw new ClusterError('STK_ERR_CLUSTER_START_TIMEOUT', `not seen through the LB: ${[...missing].join(', ')}\n${this.#tail('lb')}`, { cause: err })
      }
      throw err
    }
  }

  #tail (name: string): string {
    const lines = this.logs(name).slice(-LOG_TAIL_LINES)
    return lines.length === 0 ? `(${name} printed nothing)` : `last output of ${name}:\n  ${lines.join('\n  ')}`
  }

  #exitedError (name: string, exit: ExitInfo | undefined): ClusterError {
    const how = exit === undefined ? 'exited' : exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
    return new ClusterError('STK_ERR_CLUSTER_PROCESS_EXITED', `${name} ${how}\n${this.#tail(name)}`)
  }

  #timeoutError (name: string, cause: Error): ClusterError {
    return new ClusterError('STK_ERR_CLUSTER_START_TIMEOUT', `${cause.message}\n${this.#tail(name)}`, { cause })
  }
}
