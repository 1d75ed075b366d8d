// The live channel's cost (docs/live-channel.md): thousands of idle
// WebSockets through our LB onto three web nodes on two memcached replicas,
// measured over an idle window against the same window with no socket open
// (memory, CPU and memcached operations per socket: the once-a-second
// re-validation), and how fast one logout everywhere closes 300 sockets of one
// user over the three nodes, with and without the idle sockets open.
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, probeHttp } from '@stickless/scripts/cluster'
import { LiveRefusedError, memcachedArgs, openLiveSocket, stats, type LiveSocket } from '@stickless/test-support'
import { HttpTopology, type Endpoint } from './http-topology.js'
import { cpuSeconds } from './process-cpu.js'
import { fdSoftLimit, openFds, rssBytes } from './process-memory.js'
import { DEMO_ACCOUNTS, login, SessionEditor, type PoolSession } from './session-pool.js'
import { medianOf } from './median.js'

export interface LiveBenchOptions {
  /** Idle sockets wanted through the LB (fewer when the LB's descriptor limit cannot hold them). */
  sockets: number
  /** Upgrades in flight while opening them. */
  inFlight: number
  /** Seconds of each measured idle window. */
  windowS: number
  /** Seconds between opening the sockets and the window (the opening's messages and garbage settle). */
  settleS: number
  /** Real logins the idle sessions are cloned from. */
  logins: number
  /** The logout-everywhere case: this many real logins of one user... */
  logoutSessions: number
  /** ...with this many sockets each... */
  socketsPerSession: number
  /** ...this many times with the idle sockets open and as many without (a shared machine's stall shows in one round, not all). */
  logoutRounds: number
  lbWorkers: number
}

// Two LB workers: one process holds 2 descriptors per socket, and a limit of
// 20,000 open files (this machine's, soft = hard) stops one process short of
// 10,000 sockets; each worker has a limit of its own.
export const LIVE_FULL: LiveBenchOptions = { sockets: 10_000, inFlight: 200, windowS: 20, settleS: 5, logins: 8, logoutSessions: 30, socketsPerSession: 10, logoutRounds: 3, lbWorkers: 2 }
export const LIVE_QUICK: LiveBenchOptions = { ...LIVE_FULL, sockets: 1_000, windowS: 5, settleS: 2, logins: 4, lbWorkers: 1 }

/** memcached's counters read per window; cmd_get counts keys (each key of a multi-get). */
export const MEMCACHED_COUNTERS = ['cmd_get', 'get_hits', 'get_misses', 'cmd_set', 'cmd_touch'] as const
type Counter = typeof MEMCACHED_COUNTERS[number]

export interface WindowFigures {
  sockets: number
  seconds: number
  /** CPU ms per second of wall time, per process name. */
  cpuMsPerS: Record<string, number>
  /** Per second, summed over both memcached servers. */
  memcachedPerS: Record<Counter, number>
  /** GET /api/session through the LB, one every 250 ms during the window (a user's request beside the sockets), ms. */
  probe: { count: number, failed: number, medianMs: number, maxMs: number }
}

export interface OpenFigures {
  wanted: number
  opened: number
  failures: Record<string, number>
  seconds: number
  /** Sockets per web node, from each socket's hello. */
  perNode: Record<string, number>
}

export interface LogoutFigures {
  idleOpen: number
  sockets: OpenFigures
  status: number
  requestMs: number
  codes: Record<string, number>
  medianCloseMs: number
  slowestCloseMs: number
  /** Sockets still open when the wait for the closes gave up. */
  notClosed: number
  /** Idle sockets (other sessions) still open after it: all of them should be. */
  idleStillOpen: number
}

export interface LiveBenchResult {
  options: LiveBenchOptions
  nodeVersion: string
  limits: { lbFdSoftLimit: number | undefined, lbFdsAtRest: number, lbFdsWithSockets: number, capacity: number, limitedBy: string | undefined, fdSoftLimits: Record<string, number | undefined> }
  logins: { count: number, ms: number }
  clones: { count: number, ms: number }
  open: OpenFigures
  baseline: WindowFigures
  idle: WindowFigures
  /** RSS in bytes with no socket (after the baseline window) and with the idle sockets (after the idle window). */
  rssBefore: Record<string, number>
  rssAfter: Record<string, number>
  closedDuringWindow: Record<string, number>
  logoutWithIdle: LogoutFigures[]
  logoutAlone: LogoutFigures[]
  /** Counted from the logs, from the cluster being up to the end of the last case (the shutdown not included). */
  logEvents: Record<string, number>
  seconds: number
}

const WEB = ['web-1', 'web-2', 'web-3'] as const
const LB = 'lb'
const MEMCACHED = ['memcached-a', 'memcached-b'] as const
/**
 * The LB's settings that differ from its defaults, all to keep a starved
 * shared machine from deciding the figures. The opening, the window and the
 * logout cases take longer than the 120 s idle cut-off on a slow run. With the
 * default 1 s health-check timeout (2 failures) and 500 ms connect timeout, a
 * web node CPU-starved by the neighbours during the opening burst was taken
 * out and all its sockets cut (1006), and upgrades got 503 while every node
 * was ejected: the run would measure reconnect storms, not idle sockets.
 * How often the LB still took a node out is counted from its log.
 */
export const LB_ENV: Readonly<Record<string, string>> = {
  LB_UPGRADE_IDLE_TIMEOUT_MS: '600000',
  LB_HEALTH_TIMEOUT_MS: '5000',
  LB_UNHEALTHY_THRESHOLD: '3',
  LB_CONNECT_TIMEOUT_MS: '5000'
}

/** Descriptors the LB keeps beside its sockets' two each (health checks, admin, keep-alive sockets to the nodes, logins). */
const LB_FD_MARGIN = 200

const LOGOUT_ACCOUNT = DEMO_ACCOUNTS[0]
const IDLE_ACCOUNT = DEMO_ACCOUNTS[1]

/** `count` real logins of one account, over `urls` in turn, 4 at a time (each is an scrypt hash). */
async function loginAll (urls: readonly string[], account: { username: string, password: string }, count: number): Promise<PoolSession[]> {
  const out = new Array<PoolSession>(count)
  let next = 0
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (next < count) {
      const i = next++
      out[i] = await login(urls[i % urls.length] as string, account)
    }
  }))
  return out
}

function failureKind (err: unknown): string {
  if (err instanceof LiveRefusedError) return `HTTP ${err.status}`
  const e = err as { code?: string, message?: string }
  return e.code ?? (e.message ?? String(err)).replace(/\d+/g, 'N').slice(0, 60)
}

/** Opens one socket per cookie, `inFlight` upgrades at a time, counting failures by kind. */
async function openMany (url: string, cookies: readonly string[], inFlight: number): Promise<{ sockets: LiveSocket[], figures: OpenFigures }> {
  const started = performance.now()
  const sockets: LiveSocket[] = []
  const failures: Record<string, number> = {}
  let next = 0
  await Promise.all(Array.from({ length: Math.min(inFlight, cookies.length) }, async () => {
    while (next < cookies.length) {
      const cookie = cookies[next++] as string
      try {
        sockets.push(await openLiveSocket(url, { cookie, timeoutMs: 30_000 }))
      } catch (err) {
        const kind = failureKind(err)
        failures[kind] = (failures[kind] ?? 0) + 1
      }
    }
  }))
  const perNode: Record<string, number> = {}
  for (const s of sockets) {
    const node = String(s.hello?.node)
    perNode[node] = (perNode[node] ?? 0) + 1
  }
  return { sockets, figures: { wanted: cookies.length, opened: sockets.length, failures, seconds: (performance.now() - started) / 1000, perNode } }
}

/** Closes sockets from the client side (1000), terminating what has not closed after 10 s. */
async function closeAll (sockets: readonly LiveSocket[]): Promise<void> {
  for (const s of sockets) if (s.closeCode === undefined) s.ws.close(1000)
  const timer = setTimeout(() => { for (const s of sockets) if (s.closeCode === undefined) s.ws.terminate() }, 10_000)
  await Promise.all(sockets.map(async (s) => await s.closed))
  clearTimeout(timer)
}

function codeCounts (sockets: readonly LiveSocket[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of sockets) if (s.closeCode !== undefined) out[String(s.closeCode)] = (out[String(s.closeCode)] ?? 0) + 1
  return out
}

class LiveStand {
  readonly topology = new HttpTopology({ keepTempDir: process.env.BENCH_KEEP_TMP === '1' })
  readonly web: Endpoint[] = []
  lbUrl = ''
  memcachedPorts: number[] = []

  get liveUrl (): string {
    return `${this.lbUrl.replace(/^http/, 'ws')}/api/live`
  }

  pid (name: string): number {
    const pid = this.topology.processes.pid(name)
    if (pid === undefined) throw new Error(`${name} has no pid`)
    return pid
  }

  async start (lbWorkers: number, log: (line: string) => void): Promise<void> {
    const t = this.topology
    const p = t.processes
    for (const name of MEMCACHED) {
      const port = await freePort()
      p.start({ name, tier: 0, command: 'memcached', args: memcachedArgs(port, { memoryMb: 1024, maxConnections: 4096, threads: 4 }) })
      t.memcached.push({ name, url: `127.0.0.1:${port}` })
      this.memcachedPorts.push(port)
      await p.waitForMemcached(name, port)
    }
    for (const name of WEB) this.web.push(await t.startWeb(name, t.memcachedAddresses))
    for (const w of this.web) await p.waitForHttp(w.name, `${w.url}/healthz`)
    const lbPort = await t.startLb(LB, this.web, { ...LB_ENV, LB_WORKERS: String(lbWorkers) })
    this.lbUrl = `http://127.0.0.1:${lbPort}`
    const seen = new Set<string>()
    await p.waitFor(LB, 'every web node behind the LB', async () => {
      const r = await probeHttp(`${this.lbUrl}/healthz`, 500)
      if (r?.status === 200 && r.servedBy !== undefined) seen.add(r.servedBy)
      return seen.size === this.web.length
    }, 30_000)
    log(`memcached ×2, web-1..3 and our LB (${lbWorkers} worker${lbWorkers === 1 ? '' : 's'}) are up; logs in ${p.dir}/logs`)
  }

  private async counters (): Promise<Record<Counter, number>> {
    const out = Object.fromEntries(MEMCACHED_COUNTERS.map((c) => [c, 0])) as Record<Counter, number>
    for (const port of this.memcachedPorts) {
      const s = await stats(port)
      for (const c of MEMCACHED_COUNTERS) out[c] += s.get(c) ?? 0
    }
    return out
  }

  /** CPU and memcached operations over `seconds` of doing nothing but holding `sockets` open. */
  async window (sockets: number, seconds: number, probeCookie: string): Promise<WindowFigures> {
    const names = [...WEB, LB, ...MEMCACHED]
    const pids = names.map((n) => this.pid(n))
    const cpu0 = cpuSeconds(pids)
    const ops0 = await this.counters()
    const t0 = performance.now()
    const latencies: number[] = []
    let failed = 0
    const probing = (async () => {
      while (performance.now() - t0 < seconds * 1000 - 500) {
        const started = performance.now()
        try {
          const res = await fetch(`${this.lbUrl}/api/session`, { headers: { cookie: probeCookie }, signal: AbortSignal.timeout(30_000) })
          await res.arrayBuffer()
          if (res.status === 200) latencies.push(performance.now() - started)
          else failed++
        } catch {
          failed++
        }
        await sleep(250)
      }
    })()
    await sleep(seconds * 1000)
    await probing
    const cpu1 = cpuSeconds(pids)
    const ops1 = await this.counters()
    const wall = (performance.now() - t0) / 1000
    const cpuMsPerS: Record<string, number> = {}
    names.forEach((n, i) => { cpuMsPerS[n] = ((cpu1.get(pids[i] as number) ?? 0) - (cpu0.get(pids[i] as number) ?? 0)) * 1000 / wall })
    const memcachedPerS = Object.fromEntries(MEMCACHED_COUNTERS.map((c) => [c, (ops1[c] - ops0[c]) / wall])) as Record<Counter, number>
    return { sockets, seconds: wall, cpuMsPerS, memcachedPerS, probe: { count: latencies.length, failed, medianMs: medianOf(latencies), maxMs: Math.max(...latencies) } }
  }

  rss (): Record<string, number> {
    return Object.fromEntries([...WEB, LB, ...MEMCACHED].map((n) => [n, rssBytes(this.pid(n))]))
  }

  /** The most descriptors one LB process holds (the primary or a worker). */
  /** How many log lines since `sinceMs` carry each of these messages (the LB's take-outs, the nodes' store trouble). */
  logEvents (sinceMs: number): Record<string, number> {
    const wanted: Array<[string, RegExp]> = [
      ['LB: a node ejected', /"msg":"upstream \S+ is ejected"/],
      ['LB: a node unhealthy', /"msg":"upstream \S+ is unhealthy"/],
      ['LB: a node\'s WebSockets cut', /"msg":"closing the WebSockets of an upstream/],
      ['LB: an upgrade attempt failed', /"msg":"upgrade attempt failed"/],
      ['web: a memcached server marked down', /"msg":"memcached server marked down"/],
      ['web: a memcached server refilled', /"msg":"memcached server is empty; refilling/]
    ]
    const out: Record<string, number> = {}
    for (const name of [LB, ...WEB]) {
      let text = ''
      try {
        text = readFileSync(this.topology.processes.logPath(name), 'utf8')
      } catch {
        continue
      }
      for (const line of text.split('\n')) {
        // the start (memcached empty at first) is not the run
        if (Number(/"time":(\d+)/.exec(line)?.[1] ?? 0) < sinceMs) continue
        for (const [label, re] of wanted) if (re.test(line)) out[label] = (out[label] ?? 0) + 1
      }
    }
    return out
  }

  lbFds (): number {
    return Math.max(...openFds(this.pid(LB)).values())
  }

  /**
   * Logs one user in `sessions` times for real, opens `perSession` sockets
   * each through the LB, asks for a logout everywhere and times each close
   * from the request.
   */
  async logoutEverywhere (opts: LiveBenchOptions, idle: readonly LiveSocket[]): Promise<LogoutFigures> {
    const account = LOGOUT_ACCOUNT
    const sessions = await loginAll([this.lbUrl], account, opts.logoutSessions)
    const cookies = sessions.flatMap((s) => Array.from({ length: opts.socketsPerSession }, () => s.cookie))
    const { sockets, figures } = await openMany(this.liveUrl, cookies, opts.inFlight)
    // a tick or so, so the sockets have had their first re-validation like any other
    await sleep(1_500)
    const times = new Map<LiveSocket, number>()
    const since = performance.now()
    for (const s of sockets) void s.closed.then(() => { times.set(s, performance.now() - since) })
    const res = await fetch(`${this.lbUrl}/api/logout-everywhere`, { method: 'POST', headers: { cookie: (sessions[0] as PoolSession).cookie } })
    await res.arrayBuffer()
    const requestMs = performance.now() - since
    const deadline = Date.now() + 15_000
    while (times.size < sockets.length && Date.now() < deadline) await sleep(20)
    const notClosed = sockets.length - times.size
    await closeAll(sockets)
    const closeTimes = [...times.values()]
    return {
      idleOpen: idle.length,
      sockets: figures,
      status: res.status,
      requestMs,
      codes: codeCounts(sockets.filter((s) => times.has(s))),
      medianCloseMs: medianOf(closeTimes),
      slowestCloseMs: Math.max(...closeTimes),
      notClosed,
      idleStillOpen: idle.filter((s) => s.closeCode === undefined).length
    }
  }
}

export async function runLiveBench (opts: LiveBenchOptions, log: (line: string) => void): Promise<LiveBenchResult> {
  const started = Date.now()
  const stand = new LiveStand()
  let editor: SessionEditor | undefined
  let idle: LiveSocket[] = []
  try {
    await stand.start(opts.lbWorkers, log)
    const readyAt = Date.now()
    const t = stand.topology
    editor = new SessionEditor(t.memcachedAddresses, t.secret)

    // Descriptors: the LB holds two per socket (the client's and the node's).
    const fdSoftLimits = Object.fromEntries([...WEB, LB].map((n) => [n, fdSoftLimit(stand.pid(n))]))
    const lbFdSoftLimit = fdSoftLimits[LB]
    const lbFdsAtRest = stand.lbFds()
    const reserve = 2 * opts.logoutSessions * opts.socketsPerSession + LB_FD_MARGIN
    // workers share the sockets about evenly (the primary's round robin), not exactly
    const capacity = lbFdSoftLimit === undefined || !Number.isFinite(lbFdSoftLimit)
      ? opts.sockets
      : Math.floor(opts.lbWorkers * (opts.lbWorkers === 1 ? 1 : 0.9) * (lbFdSoftLimit - lbFdsAtRest - reserve) / 2)
    const count = Math.min(opts.sockets, capacity)
    const limitedBy = count < opts.sockets
      ? `the LB's descriptor limit: ${lbFdSoftLimit?.toLocaleString('en-US') ?? '?'} open files per process (soft = hard here, and not raisable in this container), ${lbFdsAtRest} in use at rest, 2 per socket, ${reserve} kept for the logout case's ${opts.logoutSessions * opts.socketsPerSession} sockets and ${LB_FD_MARGIN} spare`
      : undefined
    log(`fd limits: ${JSON.stringify(fdSoftLimits)}; the LB holds ${lbFdsAtRest} at rest: ${count.toLocaleString('en-US')} idle sockets${limitedBy === undefined ? '' : ` (limited by ${limitedBy})`}`)

    const loginStarted = Date.now()
    // The idle sessions are all bob's and the logout case is alice's: a logout
    // everywhere also closes, on the node that serves it, every socket of the
    // user at once, clones included (they are in no index, so they would
    // survive it everywhere else).
    const pool = await loginAll(stand.web.map((w) => w.url), IDLE_ACCOUNT, opts.logins)
    const loginMs = Date.now() - loginStarted
    const cloneStarted = Date.now()
    const clones = await editor.clone(pool, count, () => [])
    const cloneMs = Date.now() - cloneStarted
    log(`${pool.length} real logins in ${loginMs} ms, ${clones.length.toLocaleString('en-US')} clones in ${cloneMs} ms`)

    await sleep(2_000)
    const probeCookie = (pool[0] as PoolSession).cookie
    const baseline = await stand.window(0, opts.windowS, probeCookie)
    const rssBefore = stand.rss()
    log(`baseline: ${JSON.stringify(baseline)}`)

    const opened = await openMany(stand.liveUrl, clones.map((c) => c.cookie), opts.inFlight)
    idle = opened.sockets
    log(`opened ${opened.figures.opened.toLocaleString('en-US')}/${count.toLocaleString('en-US')} sockets through the LB in ${opened.figures.seconds.toFixed(1)} s: ${JSON.stringify(opened.figures.perNode)}; failures ${JSON.stringify(opened.figures.failures)}`)
    await sleep(opts.settleS * 1000)
    const idleWindow = await stand.window(idle.length, opts.windowS, probeCookie)
    const rssAfter = stand.rss()
    const lbFdsWithSockets = stand.lbFds()
    const closedDuringWindow = codeCounts(idle)
    log(`idle: ${JSON.stringify(idleWindow)}; the LB holds ${lbFdsWithSockets} fds; closed meanwhile: ${JSON.stringify(closedDuringWindow)}`)

    const logoutWithIdle: LogoutFigures[] = []
    for (let round = 0; round < opts.logoutRounds; round++) {
      logoutWithIdle.push(await stand.logoutEverywhere(opts, idle))
      log(`logout everywhere with ${idle.length} idle sockets open: ${JSON.stringify(logoutWithIdle.at(-1))}`)
    }
    await closeAll(idle)
    const idleCount = idle.length
    idle = []
    await sleep(2_000)
    const logoutAlone: LogoutFigures[] = []
    for (let round = 0; round < opts.logoutRounds; round++) {
      logoutAlone.push(await stand.logoutEverywhere(opts, []))
      log(`logout everywhere alone: ${JSON.stringify(logoutAlone.at(-1))}`)
    }

    return {
      options: opts,
      nodeVersion: process.version,
      limits: { lbFdSoftLimit, lbFdsAtRest, lbFdsWithSockets, capacity, limitedBy, fdSoftLimits },
      logins: { count: pool.length, ms: loginMs },
      clones: { count: clones.length, ms: cloneMs },
      open: { ...opened.figures, wanted: count },
      baseline,
      idle: { ...idleWindow, sockets: idleCount },
      rssBefore,
      rssAfter,
      closedDuringWindow,
      logoutWithIdle,
      logoutAlone,
      logEvents: stand.logEvents(readyAt),
      seconds: (Date.now() - started) / 1000
    }
  } finally {
    await closeAll(idle).catch(() => {})
    await editor?.close()
    await stand.topology.stop()
  }
}
