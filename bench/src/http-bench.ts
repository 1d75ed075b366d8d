// The HTTP benchmark: every configuration its goals compare as a "case" (one URL,
// one load, one set of processes whose CPU we count), run in interleaved
// rounds so a noisy neighbour hurts every case alike, with the median of the
// rounds reported. Every goal is a ratio of two cases of the same run.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { probeHttp } from '@stickless/scripts/cluster'
import { runAutocannon, runWrk, type LoadResult, type LoadSpec } from './load-tool.js'
import { cpuSeconds } from './process-cpu.js'
import { medianOf } from './median.js'
import { HttpTopology, proxyProcess, ROOT_DIR, type ProxyName } from './http-topology.js'
import { cartOfSize, loginMany, SessionEditor, writeCookieFile, type PoolSession } from './session-pool.js'
import { runFailover, type FailoverResult } from './failover-bench.js'
import { beforeId, checkoutCommit, TWIN_CASE_IDS, type BuildCommits } from './side-by-side.js'

/**
 * The cases the goals of one node compare: the bare /hello baseline and the
 * node's cases that also run on the code before. They run `goalRounds` times.
 */
export const GOAL_CASE_IDS: ReadonlySet<string> = new Set(['tool:wrk-t1', ...TWIN_CASE_IDS])
const isGoalCase = (id: string): boolean => GOAL_CASE_IDS.has(id.startsWith(beforeId('')) ? id.slice(beforeId('').length) : id)

export interface SizeStep {
  label: string
  /** Target size of the stored session, in bytes. */
  bytes: number
  sessions: number
}

export interface HttpBenchOptions {
  /** Seconds per measured run (wrk's minimum is 1). */
  durationS: number
  /** Runs per case; the median is reported. */
  rounds: number
  /**
   * Runs of each case a goal of one node compares (GOAL_CASE_IDS, and their
   * twins on the code before), at least `rounds`: those verdicts are the
   * ones a change is judged by, and a ratio near its bound needs more rounds
   * than a table row to tell the code from the neighbours. Even, so that
   * every forward round has its reverse twin (round-ratio.ts).
   */
  goalRounds: number
  /** Connections of every run outside the concurrency sweep. */
  connections: number
  /** Distinct sessions each read or write case rotates over. */
  sessions: number
  /** How many of them are logged in through POST /api/login (an scrypt hash each); the rest are copies. */
  logins: number
  /** Runs of each failover phase. */
  failoverRounds: number
  /** wrk thread counts tried in the load-tool comparison (-t1 always runs: it is the goals' /hello baseline). */
  wrkThreads: readonly number[]
  /** Proxies compared on /hello and /api/session. */
  proxies: readonly ProxyName[]
  /** Concurrency sweep on GET /api/session through these proxies... */
  sweepProxies: readonly ProxyName[]
  /** ...at these levels (the default connections are measured anyway). */
  sweepLevels: readonly number[]
  /** Session sizes beyond the logged-in ~200 B ones... */
  sizes: readonly SizeStep[]
  /**
   * ...measured at this concurrency (200 B included). Lower than the rest:
   * 50 connections on 512 KB sessions push the node's latency past the store's
   * 1 s timeout, and the node then marks healthy memcached servers down (see
   * "Incidents").
   */
  sizeConnections: number
  /**
   * Another built checkout (`--before DIR`) whose web node runs beside ours:
   * the goal cases of one node (TWIN_CASE_IDS) then also run on it, each
   * right after its own case. Undefined: ours only.
   */
  beforeDir?: string
}

export const HTTP_QUICK: HttpBenchOptions = {
  durationS: 1,
  rounds: 3,
  goalRounds: 4,
  connections: 50,
  sessions: 1000,
  logins: 50,
  failoverRounds: 3,
  wrkThreads: [1],
  proxies: ['lb', 'lb-2w', 'nginx', 'haproxy', 'bare-proxy', 'reply-from'],
  sweepProxies: ['lb', 'nginx'],
  sweepLevels: [10, 400],
  sizes: [{ label: '4 KB', bytes: 4096, sessions: 1000 }, { label: '64 KB', bytes: 65_536, sessions: 500 }, { label: '512 KB', bytes: 524_288, sessions: 100 }],
  sizeConnections: 10
}

export const HTTP_FULL: HttpBenchOptions = {
  durationS: 4,
  rounds: 3,
  goalRounds: 6,
  connections: 50,
  sessions: 1000,
  logins: 1000,
  failoverRounds: 5,
  wrkThreads: [1, 2],
  proxies: ['lb', 'lb-2w', 'nginx', 'haproxy', 'bare-proxy', 'reply-from'],
  sweepProxies: ['lb', 'nginx', 'haproxy'],
  sweepLevels: [10, 100, 200, 400],
  sizes: [{ label: '4 KB', bytes: 4096, sessions: 1000 }, { label: '64 KB', bytes: 65_536, sessions: 1000 }, { label: '512 KB', bytes: 524_288, sessions: 250 }],
  sizeConnections: 10
}

/** The body of every cart write: short, so a run's writes barely grow the session. */
export const CART_WRITE_BODY = '{"item":"bench item"}'

export interface BenchCase {
  id: string
  label: string
  spec: LoadSpec
  tool: 'wrk' | 'autocannon'
  /** Processes whose CPU per request is reported. */
  cpuOf: readonly string[]
  /** Runs before each measured run (e.g. emptying carts), not timed. */
  before?: () => Promise<void>
}

/** The median over rounds of each figure, taken separately. */
export interface CaseStats {
  id: string
  label: string
  connections: number
  runs: number
  rps: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** CPU of `cpuOf` per request, µs. */
  serverCpuUs: number
  toolCpuUs: number
  /** req/s of each run, in round order: goals take their ratios round by round (round-ratio.ts). */
  roundRps: number[]
  /** Summed over rounds. */
  requests: number
  socketErrors: number
  badStatus: number
}

export interface HttpBenchResult {
  options: HttpBenchOptions
  cases: Record<string, CaseStats>
  /** Stored size of one session of each pool, bytes. */
  sessionBytes: Record<string, number>
  sizeLabels: string[]
  /** Runs that had to wait for a web node to see every memcached server up again first. */
  incidents: Incident[]
  failover: FailoverResult
  loginMs: number
  logins: number
  /** With beforeDir: the commits of both builds. */
  commits?: BuildCommits
}

export interface Incident {
  /** The case about to run, and the one that ran before it. */
  before: string
  after: string | undefined
  /** What the nodes reported, e.g. "web-1: 127.0.0.1:4242 down". */
  states: string
  waitedMs: number
}

/** "" when every web node sees every one of its memcached servers up, else what is not. */
async function serversNotUp (topology: HttpTopology): Promise<string> {
  const nodes = [...topology.web, topology.webSolo, ...topology.beforeNodes]
  const reports = await Promise.all(nodes.map(async (w) => {
    const r = await probeHttp(`${w.url}/healthz`, 2_000)
    if (r?.status !== 200) return `${w.name}: /healthz ${r?.status ?? 'no answer'}`
    const body = JSON.parse(r.body) as { sessionServers?: Array<{ id: string, state: string }> }
    const bad = (body.sessionServers ?? []).filter((s) => s.state !== 'up')
    return bad.length === 0 ? '' : `${w.name}: ${bad.map((s) => `${s.id} ${s.state}`).join(', ')}`
  }))
  return reports.filter((x) => x !== '').join('; ')
}

/**
 * Waits until every node sees its memcached servers up (a server marked down
 * is skipped for the retry interval, 15 s), so no case runs on a degraded
 * cluster left behind by the case before. Returns an incident when it waited.
 */
async function healthGuard (topology: HttpTopology, before: string, after: string | undefined): Promise<Incident | undefined> {
  const started = Date.now()
  const first = await serversNotUp(topology)
  if (first === '') return undefined
  let states = first
  while (states !== '' && Date.now() - started < 25_000) {
    await sleep(250)
    states = await serversNotUp(topology)
  }
  return { before, after, states: first, waitedMs: Date.now() - started }
}

export interface Run { load: LoadResult, serverCpuUs: number }

export function statsOf (c: BenchCase, runs: readonly Run[]): CaseStats {
  const m = (f: (r: Run) => number): number => medianOf(runs.map(f))
  return {
    id: c.id,
    label: c.label,
    connections: c.spec.connections,
    runs: runs.length,
    rps: m((r) => r.load.rps),
    p50Ms: m((r) => r.load.p50Ms),
    p99Ms: m((r) => r.load.p99Ms),
    maxMs: m((r) => r.load.maxMs),
    serverCpuUs: m((r) => r.serverCpuUs),
    toolCpuUs: m((r) => r.load.toolCpuUsPerRequest),
    roundRps: runs.map((r) => r.load.rps),
    requests: runs.reduce((s, r) => s + r.load.requests, 0),
    socketErrors: runs.reduce((s, r) => s + r.load.socketErrors, 0),
    badStatus: runs.reduce((s, r) => s + r.load.badStatus, 0)
  }
}

export async function measureCase (topology: HttpTopology, c: BenchCase): Promise<Run> {
  await c.before?.()
  const pids = c.cpuOf.map((name) => topology.processes.pid(name)).filter((p): p is number => p !== undefined)
  const before = cpuSeconds(pids)
  const load = c.tool === 'wrk' ? await runWrk(c.spec) : await runAutocannon(c.spec)
  const after = cpuSeconds(pids)
  const cpuS = pids.reduce((s, p) => s + (after.get(p) ?? 0) - (before.get(p) ?? 0), 0)
  return { load, serverCpuUs: load.requests > 0 ? cpuS * 1e6 / load.requests : NaN }
}

/** Warm-up runs at once (each 8 connections for 2 s). */
const WARM_UP_AT_ONCE = 6

export async function runHttpBench (opts: HttpBenchOptions, log: (line: string) => void): Promise<HttpBenchResult> {
  // BENCH_KEEP_TMP=1 keeps the temp dir (every process's log) for a post-mortem.
  const topology = new HttpTopology({ keepTempDir: process.env.BENCH_KEEP_TMP === '1', proxies: [...new Set([...opts.proxies, ...opts.sweepProxies])], beforeDir: opts.beforeDir })
  let editor: SessionEditor | undefined
  try {
    await topology.start(log)
    const dir = topology.processes.dir
    editor = new SessionEditor(topology.memcachedAddresses, topology.secret)
    const ed = editor

    // Sessions: logged in for real, then copies for the writes and each size.
    const loginStarted = Date.now()
    const loggedIn = await loginMany(topology.web.map((w) => w.url), Math.min(opts.logins, opts.sessions), 8)
    const loginMs = Date.now() - loginStarted
    log(`logged in ${loggedIn.length} sessions through POST /api/login in ${loginMs} ms`)
    const pool = [...loggedIn, ...await ed.clone(loggedIn, opts.sessions - loggedIn.length, () => [])]
    const cookieFile = (name: string, sessions: readonly PoolSession[]): string => {
      const path = join(dir, `cookies-${name}.txt`)
      writeCookieFile(path, sessions)
      return path
    }
    const readFile = cookieFile('read', pool)
    const writers = await ed.clone(pool, opts.sessions, () => [])
    const writeFile = cookieFile('write', writers)
    const sessionBytes: Record<string, number> = { '200 B': await ed.storedBytes(pool[0] as PoolSession) }
    const sizeFiles: Record<string, string> = {}
    for (const step of opts.sizes) {
      const base = sessionBytes['200 B'] ?? 200
      const sized = await ed.clone(pool, step.sessions, () => cartOfSize(step.bytes - base))
      sizeFiles[step.label] = cookieFile(`size-${step.bytes}`, sized)
      sessionBytes[step.label] = await ed.storedBytes(sized[0] as PoolSession)
      log(`${step.sessions} sessions of ${step.label} written (${sessionBytes[step.label]} bytes each)`)
    }
    const emptyWriterCarts = async (): Promise<void> => { await ed.setCarts(writers, () => []) }

    const d = opts.durationS
    const conns = opts.connections
    const hello1 = topology.hello[0] as { name: string, url: string }
    const web1 = topology.web[0] as { name: string, url: string }
    const solo = topology.webSolo
    const cases: BenchCase[] = []
    // A goal case of one node is followed at once by its twin on the node of
    // the code before (same cookies, same load), when that node runs.
    const twinOf = new Map([[web1.name, topology.webBefore], [solo.name, topology.webSoloBefore]])
    const add = (c: BenchCase): void => {
      cases.push(c)
      const node = c.cpuOf[0]
      const twin = node === undefined ? undefined : twinOf.get(node)
      if (twin === undefined || !TWIN_CASE_IDS.includes(c.id)) return
      const own = node === web1.name ? web1 : solo
      if (!c.spec.url.startsWith(own.url)) return
      cases.push({ ...c, id: beforeId(c.id), label: `${c.label} (code before)`, spec: { ...c.spec, url: twin.url + c.spec.url.slice(own.url.length) }, cpuOf: [twin.name] })
    }
    const helloWith = (t: number): BenchCase => ({ id: `tool:wrk-t${t}`, label: `wrk -t${t}, one Fastify node GET /hello`, tool: 'wrk', spec: { url: `${hello1.url}/hello`, connections: conns, durationS: d, threads: t }, cpuOf: [hello1.name] })
    for (const t of opts.wrkThreads) if (t !== 1) add(helloWith(t))
    add({ id: 'tool:autocannon', label: 'autocannon, one Fastify node GET /hello', tool: 'autocannon', spec: { url: `${hello1.url}/hello`, connections: conns, durationS: d }, cpuOf: [hello1.name] })
    add({ id: 'node:healthz', label: 'web node GET /healthz (no session)', tool: 'wrk', spec: { url: `${web1.url}/healthz`, connections: conns, durationS: d }, cpuOf: [web1.name] })
    // the read goal's baseline right before the read: one round's ratio is of two runs seconds apart
    add(helloWith(1))
    add({ id: 'node:read-2', label: 'web node GET /api/session, 2 replicas', tool: 'wrk', spec: { url: `${web1.url}/api/session`, connections: conns, durationS: d, cookieFile: readFile }, cpuOf: [web1.name] })
    add({ id: 'node:read-1', label: 'web node GET /api/session, 1 replica', tool: 'wrk', spec: { url: `${solo.url}/api/session`, connections: conns, durationS: d, cookieFile: readFile }, cpuOf: [solo.name] })
    add({ id: 'node:write-2', label: 'web node POST /api/cart, 2 replicas', tool: 'wrk', spec: { url: `${web1.url}/api/cart`, connections: conns, durationS: d, cookieFile: writeFile, method: 'POST', body: CART_WRITE_BODY }, cpuOf: [web1.name], before: emptyWriterCarts })
    add({ id: 'node:write-1', label: 'web node POST /api/cart, 1 replica', tool: 'wrk', spec: { url: `${solo.url}/api/cart`, connections: conns, durationS: d, cookieFile: writeFile, method: 'POST', body: CART_WRITE_BODY }, cpuOf: [solo.name], before: emptyWriterCarts })
    add({ id: 'size:200 B', label: 'web node GET /api/session, 200 B session', tool: 'wrk', spec: { url: `${web1.url}/api/session`, connections: opts.sizeConnections, durationS: d, cookieFile: readFile }, cpuOf: [web1.name] })
    for (const step of opts.sizes) {
      add({ id: `size:${step.label}`, label: `web node GET /api/session, ${step.label} session`, tool: 'wrk', spec: { url: `${web1.url}/api/session`, connections: opts.sizeConnections, durationS: d, cookieFile: sizeFiles[step.label] }, cpuOf: [web1.name] })
    }
    for (const p of opts.proxies) {
      const urls = topology.proxies.get(p)
      if (urls === undefined) continue
      add({ id: `proxy:${p}:hello`, label: `${p} over 3 nodes, GET /hello`, tool: 'wrk', spec: { url: `${urls.hello}/hello`, connections: conns, durationS: d }, cpuOf: [proxyProcess(p, 'hello')] })
      add({ id: `proxy:${p}:web`, label: `${p} over 3 web nodes, GET /api/session`, tool: 'wrk', spec: { url: `${urls.web}/api/session`, connections: conns, durationS: d, cookieFile: readFile }, cpuOf: [proxyProcess(p, 'web')] })
    }
    for (const p of opts.sweepProxies) {
      const urls = topology.proxies.get(p)
      if (urls === undefined) continue
      for (const c of opts.sweepLevels) {
        if (c === conns) continue
        add({ id: `conc:${p}:${c}`, label: `${p} over 3 web nodes, GET /api/session, ${c} connections`, tool: 'wrk', spec: { url: `${urls.web}/api/session`, connections: c, durationS: d, cookieFile: readFile }, cpuOf: [proxyProcess(p, 'web')] })
      }
    }

    // Warm-up: two seconds on every distinct target at once, so no case runs
    // on cold JIT (the writes' carts are emptied before each write run).
    const targets = new Map<string, LoadSpec>()
    for (const c of cases) if (c.tool === 'wrk') targets.set(c.spec.url + (c.spec.cookieFile ?? ''), { ...c.spec, connections: 8, durationS: 2 })
    // a few at a time: with the code before's twins there are some thirty
    // targets, and all at once on two cores left a 512 KB one without a
    // single answer in its two seconds
    const queue = [...targets.values()]
    await Promise.all(Array.from({ length: WARM_UP_AT_ONCE }, async () => {
      for (let spec = queue.shift(); spec !== undefined; spec = queue.shift()) await runWrk(spec)
    }))
    // Then each goal case once as it will run, unmeasured: a node that has
    // served little so far (web-solo, the code before's twins) grows its heap
    // and settles its write path in its first run at full load, which cost
    // it half as much again as its later runs (220 against 150 µs per cart
    // write, both builds' web-solo alike), and only the first rounds'
    // ratios paid for it.
    for (const c of cases) if (isGoalCase(c.id)) await measureCase(topology, c)
    const rounds = Math.max(opts.rounds, opts.goalRounds)
    log(`warmed up ${targets.size} targets; ${cases.length} cases × ${opts.rounds} rounds of ${d} s, the goal cases ${rounds} rounds`)

    const runs = new Map<string, Run[]>()
    const incidents: Incident[] = []
    let previous: string | undefined
    for (let round = 0; round < rounds; round++) {
      // every other round backwards, so the two cases of a goal take turns
      // at running first (right after the warm-up or another node's load)
      for (const c of round % 2 === 0 ? cases : [...cases].reverse()) {
        if (round >= opts.rounds && !isGoalCase(c.id)) continue
        const incident = await healthGuard(topology, c.id, previous)
        if (incident !== undefined) {
          incidents.push(incident)
          log(`waited ${incident.waitedMs} ms before ${c.id} for memcached servers marked down after ${previous ?? 'the warm-up'}: ${incident.states}`)
        }
        previous = c.id
        const run = await measureCase(topology, c)
        runs.set(c.id, [...(runs.get(c.id) ?? []), run])
        // each run in the log: a verdict's rounds can be told apart afterwards
        log(`round ${round + 1} ${c.id}: ${Math.round(run.load.rps)} req/s, ${Math.round(run.serverCpuUs)} µs of CPU per request`)
      }
      log(`round ${round + 1}/${rounds} done`)
    }
    const stats: Record<string, CaseStats> = {}
    for (const c of cases) stats[c.id] = statsOf(c, runs.get(c.id) ?? [])

    const incident = await healthGuard(topology, 'failover', previous)
    if (incident !== undefined) incidents.push(incident)
    const failover = await runFailover(topology, {
      cookieFile: readFile,
      connections: conns,
      durationS: opts.durationS > 1 ? Math.min(d, 3) : 2,
      shortDurationS: opts.durationS > 1 ? Math.min(d, 3) : 1,
      rounds: opts.failoverRounds
    }, log)
    const commits = opts.beforeDir === undefined ? undefined : { before: checkoutCommit(opts.beforeDir), now: checkoutCommit(ROOT_DIR) }
    return { options: opts, cases: stats, sessionBytes, sizeLabels: ['200 B', ...opts.sizes.map((s) => s.label)], incidents, failover, loginMs, logins: loggedIn.length, commits }
  } finally {
    await editor?.close()
    await topology.stop()
  }
}
