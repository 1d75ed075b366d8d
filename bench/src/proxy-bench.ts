// The proxy comparison on its own (our LB against the other proxies), in about two minutes: three
// bare Fastify /hello servers and, side by side in one run, our LB at 1 and
// at 2 workers, nginx, HAProxy, the bare http-proxy and @fastify/reply-from,
// each driven by wrk on GET /hello over the three nodes (50 connections),
// interleaved in rounds; the figure is the median of the rounds. `npm run
// bench` measures the same cases in its HTTP suite; this runner skips the
// memcached and web-node cases.
//
// `node bench/dist/src/proxy-bench.js [--seconds 4] [--rounds 3] [--connections 50] [--signed-in] [--profile] [--write]`
//   --signed-in  our LB (1 worker) against the bare http-proxy only, over the
//                web nodes on signed-in GET /api/session (memcached, web-1..3,
//                1,000 sessions, wrk rotating their cookies), with GET /hello
//                over the bare servers as the control
//   --profile    afterwards, CPU profiles (node --cpu-prof) of our LB (1 worker),
//                the bare http-proxy and reply-from under the same load (with
//                --signed-in: our LB and the bare http-proxy on /api/session)
//   --write      replaces this runner's section of bench/RESULTS.md
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measureCase, statsOf, type BenchCase, type CaseStats, type Run } from './http-bench.js'
import { proxyGoalNotes } from './goal-notes.js'
import { PROXY_LABEL, proxyGoals, signedInProxyGoal, type Goal } from './http-section.js'
import { HttpTopology, proxyProcess, type ProxyName } from './http-topology.js'
import { runWrk } from './load-tool.js'
import { cpuSeconds } from './process-cpu.js'
import { machineLines } from './machine-info.js'
import { formatSummary, readProfile, summarizeProfile } from './profile-summary.js'
import { integerFlag, LOAD_RUN_OPTIONS, loadRunFlags, noPositionals, parseBenchArgs } from './bench-args.js'
import { loginMany, SessionEditor, writeCookieFile } from './session-pool.js'

const RESULTS = new URL('../../RESULTS.md', import.meta.url)
const HEADING = '## Load balancers side by side: our LB at 1 and 2 workers'
const SIGNED_IN_HEADING = '## Our LB and the bare http-proxy on signed-in GET /api/session'
const PROXIES: readonly ProxyName[] = ['lb', 'lb-2w', 'bare-proxy', 'reply-from', 'nginx', 'haproxy']
const SIGNED_IN_PROXIES: readonly ProxyName[] = ['lb', 'bare-proxy']
/** As the HTTP suite: 1,000 sessions, 50 of them logged in for real (an scrypt hash each), the rest copies. */
const SIGNED_IN_SESSIONS = 1000
const SIGNED_IN_LOGINS = 50

const USAGE = 'usage: node bench/dist/src/proxy-bench.js [--seconds N] [--rounds N] [--connections N] [--signed-in] [--profile] [--write]'

const log = (line: string): void => { console.log(`[proxy-bench ${new Date().toISOString().slice(11, 19)}] ${line}`) }
const n0 = (x: number): string => Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–'
const n1 = (x: number): string => Number.isFinite(x) ? x.toFixed(1) : '–'
const r2 = (x: number): string => Number.isFinite(x) ? `${x.toFixed(2)}×` : '–'

async function measure (seconds: number, rounds: number, connections: number): Promise<Record<string, CaseStats>> {
  const topology = new HttpTopology({ helloOnly: true, proxies: PROXIES })
  try {
    await topology.start(log)
    const cases: BenchCase[] = PROXIES.map((p) => ({
      id: `proxy:${p}:hello`,
      label: `${PROXY_LABEL[p] ?? p} over 3 nodes, GET /hello`,
      tool: 'wrk',
      spec: { url: `${topology.proxies.get(p)?.hello ?? ''}/hello`, connections, durationS: seconds },
      cpuOf: [proxyProcess(p, 'hello')]
    }))
    // Warm-up one at a time: two seconds each at full load, so the JIT has seen the hot path.
    for (const c of cases) await runWrk({ ...c.spec, durationS: 2 })
    log(`warmed up; ${cases.length} cases × ${rounds} rounds of ${seconds} s`)
    const runs = new Map<string, Run[]>()
    for (let round = 0; round < rounds; round++) {
      for (const c of cases) runs.set(c.id, [...(runs.get(c.id) ?? []), await measureCase(topology, c)])
      log(`round ${round + 1}/${rounds} done`)
    }
    return Object.fromEntries(cases.map((c) => [c.id, statsOf(c, runs.get(c.id) ?? [])]))
  } finally {
    await topology.stop()
  }
}

/** A file of `count` signed-in session cookies for wrk, in the topology's temp dir. */
async function signedInCookies (topology: HttpTopology, count: number, logins: number): Promise<string> {
  const editor = new SessionEditor(topology.memcachedAddresses, topology.secret)
  try {
    const loggedIn = await loginMany(topology.web.map((w) => w.url), Math.min(logins, count), 8)
    const pool = [...loggedIn, ...await editor.clone(loggedIn, count - loggedIn.length, () => [])]
    const file = join(topology.processes.dir, 'cookies-read.txt')
    writeCookieFile(file, pool)
    log(`${pool.length} signed-in sessions (${loggedIn.length} logged in through POST /api/login)`)
    return file
  } finally {
    await editor.close()
  }
}

/** The signed-in cases (GET /api/session over web-1..3) and the /hello control, for our LB and the bare http-proxy. */
function signedInCases (topology: HttpTopology, cookieFile: string, seconds: number, connections: number): BenchCase[] {
  const cases: BenchCase[] = []
  for (const group of ['web', 'hello'] as const) {
    for (const p of SIGNED_IN_PROXIES) {
      const urls = topology.proxies.get(p)
      if (urls === undefined) continue
      cases.push(group === 'web'
        ? { id: `proxy:${p}:web`, label: `${PROXY_LABEL[p] ?? p} over 3 web nodes, signed-in GET /api/session`, tool: 'wrk', spec: { url: `${urls.web}/api/session`, connections, durationS: seconds, cookieFile }, cpuOf: [proxyProcess(p, 'web')] }
        : { id: `proxy:${p}:hello`, label: `${PROXY_LABEL[p] ?? p} over 3 nodes, GET /hello`, tool: 'wrk', spec: { url: `${urls.hello}/hello`, connections, durationS: seconds }, cpuOf: [proxyProcess(p, 'hello')] })
    }
  }
  return cases
}

/** A signed-in run's figures, and the CPU per request of the nodes behind the proxy (median over rounds). */
interface SignedInStats {
  readonly stats: Record<string, CaseStats>
  readonly nodesCpuUs: Record<string, number>
  /** Each case's req/s, round by round: within a round the two proxies' runs are seconds apart, so their ratio is the fairer pairing. */
  readonly rpsByRound: Record<string, number[]>
}

async function measureSignedIn (seconds: number, rounds: number, connections: number): Promise<SignedInStats> {
  const topology = new HttpTopology({ proxies: SIGNED_IN_PROXIES })
  try {
    await topology.start(log)
    const cases = signedInCases(topology, await signedInCookies(topology, SIGNED_IN_SESSIONS, SIGNED_IN_LOGINS), seconds, connections)
    for (const c of cases) await runWrk({ ...c.spec, durationS: 2 })
    log(`warmed up; ${cases.length} cases × ${rounds} rounds of ${seconds} s`)
    const runs = new Map<string, Run[]>()
    const nodeRuns = new Map<string, number[]>()
    // The nodes' CPU too: a proxy that makes the nodes work harder (more
    // headers to parse, less batching) costs throughput on these shared cores.
    const nodePids = (c: BenchCase): number[] => (c.id.endsWith(':web') ? [...topology.web, ...topology.memcached] : topology.hello)
      .map((e) => topology.processes.pid(e.name)).filter((p): p is number => p !== undefined)
    for (let round = 0; round < rounds; round++) {
      // Every other round in reverse, so neither proxy is always the one
      // measured first after the nodes sat idle through the /hello cases.
      for (const c of round % 2 === 0 ? cases : [...cases].reverse()) {
        const pids = nodePids(c)
        const before = cpuSeconds(pids)
        const run = await measureCase(topology, c)
        const after = cpuSeconds(pids)
        const cpuS = pids.reduce((s, p) => s + (after.get(p) ?? 0) - (before.get(p) ?? 0), 0)
        runs.set(c.id, [...(runs.get(c.id) ?? []), run])
        nodeRuns.set(c.id, [...(nodeRuns.get(c.id) ?? []), run.load.requests > 0 ? cpuS * 1e6 / run.load.requests : NaN])
      }
      log(`round ${round + 1}/${rounds} done`)
    }
    const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
    return {
      stats: Object.fromEntries(cases.map((c) => [c.id, statsOf(c, runs.get(c.id) ?? [])])),
      nodesCpuUs: Object.fromEntries(cases.map((c) => [c.id, median(nodeRuns.get(c.id) ?? [])])),
      rpsByRound: Object.fromEntries(cases.map((c) => [c.id, (runs.get(c.id) ?? []).map((r) => r.load.rps)]))
    }
  } finally {
    await topology.stop()
  }
}

/** CPU profiles of our LB and the bare http-proxy under signed-in GET /api/session, one at a time. */
async function profileSignedIn (seconds: number, connections: number): Promise<string> {
  const dir = join(tmpdir(), `stickless-proxy-profiles-${Date.now()}`)
  mkdirSync(dir)
  const profiled = ['lb-web', 'bare-proxy']
  const topology = new HttpTopology({
    proxies: SIGNED_IN_PROXIES,
    nodeArgs: (name) => profiled.includes(name) ? ['--cpu-prof', '--cpu-prof-dir', join(dir, name)] : []
  })
  try {
    await topology.start(log)
    const cookieFile = await signedInCookies(topology, SIGNED_IN_SESSIONS, SIGNED_IN_LOGINS)
    for (const c of signedInCases(topology, cookieFile, seconds, connections).filter((x) => x.id.endsWith(':web'))) {
      await runWrk({ ...c.spec, durationS: 2 })
      await runWrk(c.spec)
    }
  } finally {
    await topology.stop()
  }
  return summariesOf(dir, profiled)
}

function summariesOf (dir: string, profiled: readonly string[]): string {
  const out: string[] = []
  for (const name of profiled) {
    const files = existsSync(join(dir, name)) ? readdirSync(join(dir, name)).filter((f) => f.endsWith('.cpuprofile')) : []
    if (files[0] === undefined) continue
    out.push(formatSummary(`${name} (${files[0]})`, summarizeProfile(readProfile(join(dir, name, files[0])), 12)))
  }
  log(`profiles in ${dir}`)
  return out.join('\n')
}

/** CPU profiles of the Node proxies under the same load, one at a time; their summaries as markdown. */
async function profile (seconds: number, connections: number): Promise<string> {
  const dir = join(tmpdir(), `stickless-proxy-profiles-${Date.now()}`)
  mkdirSync(dir)
  const profiled = ['lb-hello', 'bare-proxy', 'reply-from']
  const topology = new HttpTopology({
    helloOnly: true,
    proxies: ['lb', 'bare-proxy', 'reply-from'],
    nodeArgs: (name) => profiled.includes(name) ? ['--cpu-prof', '--cpu-prof-dir', join(dir, name)] : []
  })
  try {
    await topology.start(log)
    for (const p of ['lb', 'bare-proxy', 'reply-from'] as const) {
      const spec = { url: `${topology.proxies.get(p)?.hello ?? ''}/hello`, connections, durationS: seconds }
      await runWrk({ ...spec, durationS: 2 })
      await runWrk(spec)
    }
  } finally {
    // The profiles are written when the processes exit.
    await topology.stop()
  }
  return summariesOf(dir, profiled)
}

function section (stats: Record<string, CaseStats>, goals: readonly Goal[], o: { seconds: number, rounds: number, connections: number, machine: string[], profiles: string }): string {
  const bare = stats['proxy:bare-proxy:hello']?.rps ?? NaN
  const replyFrom = stats['proxy:reply-from:hello']?.rps ?? NaN
  return [
    HEADING,
    '',
    `Written by \`node bench/dist/src/proxy-bench.js --seconds ${o.seconds} --rounds ${o.rounds}${o.profiles === '' ? '' : ' --profile'} --write\` on ${new Date().toISOString().slice(0, 10)}. Three bare Fastify \`/hello\` servers behind each proxy, all on loopback; wrk -t1, ${o.connections} connections, ${o.seconds} s runs, every case once per round for ${o.rounds} rounds, medians. "Proxy CPU" counts the proxy process and its children (our LB's primary and workers, nginx's worker) per request. Two shared cores carry wrk, the three nodes and the proxy: with 2 workers our LB competes with the load generator and the nodes for the same two cores, so its gain here is a floor of what it gains on a machine with cores to spare.`,
    '',
    ...o.machine,
    '',
    '| case | req/s | p50 ms | p99 ms | proxy CPU µs/request | errors | vs bare http-proxy | vs reply-from |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
    ...PROXIES.map((p) => stats[`proxy:${p}:hello`]).filter((c): c is CaseStats => c !== undefined).map((c) =>
      `| ${c.label} | ${n0(c.rps)} | ${n1(c.p50Ms)} | ${n1(c.p99Ms)} | ${n0(c.serverCpuUs)} | ${c.socketErrors + c.badStatus === 0 ? '0' : `**${c.badStatus} bad status, ${c.socketErrors} socket errors**`} | ${r2(c.rps / bare)} | ${r2(c.rps / replyFrom)} |`),
    '',
    '| goal | measured | verdict |',
    '| --- | --- | --- |',
    ...goals.map((g) => `| ${g.goal} | ${g.measured} | ${g.met === undefined ? 'not measured' : g.met ? '**met**' : '**missed**'} |`),
    '',
    ...proxyGoalNotes(stats, goals).flatMap((note) => [`- ${note}`, '']),
    ...(o.profiles === '' ? [] : ['CPU profiles under the same load (`--profile`, `node --cpu-prof`, one proxy at a time):', '', '```', o.profiles.replaceAll('### ', '').trimEnd(), '```', ''])
  ].join('\n')
}

interface SectionOptions { seconds: number, rounds: number, connections: number, machine: string[], profiles: string }

function signedInSection ({ stats, nodesCpuUs, rpsByRound }: SignedInStats, goals: readonly Goal[], o: SectionOptions): string {
  const vsBare = (c: CaseStats): number => c.rps / (stats[c.id.replace(':lb:', ':bare-proxy:')]?.rps ?? NaN)
  const roundRatios = (group: string): string => {
    const ours = rpsByRound[`proxy:lb:${group}`] ?? []
    const bare = rpsByRound[`proxy:bare-proxy:${group}`] ?? []
    return ours.map((x, i) => r2(x / (bare[i] ?? NaN))).join(', ')
  }
  return [
    SIGNED_IN_HEADING,
    '',
    `Written by \`node bench/dist/src/proxy-bench.js --signed-in --seconds ${o.seconds} --rounds ${o.rounds}${o.profiles === '' ? '' : ' --profile'} --write\` on ${new Date().toISOString().slice(0, 10)}. Our LB at 1 worker and the bare http-proxy over web-1..3 (sessions on two memcached servers), ${SIGNED_IN_SESSIONS.toLocaleString('en-US')} signed-in sessions whose cookies wrk rotates, and over three bare Fastify \`/hello\` servers as the control; wrk -t1, ${o.connections} connections, ${o.seconds} s runs, every case once per round for ${o.rounds} rounds, medians. "Proxy CPU" is the proxy process's CPU per request; "nodes CPU" that of the servers behind it (web-1..3 and both memcached servers, or hello-1..3).`,
    '',
    ...o.machine,
    '',
    '| case | req/s | p50 ms | p99 ms | proxy CPU µs/request | nodes CPU µs/request | errors | ours vs bare http-proxy |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...Object.values(stats).map((c) =>
      `| ${c.label} | ${n0(c.rps)} | ${n1(c.p50Ms)} | ${n1(c.p99Ms)} | ${n0(c.serverCpuUs)} | ${n0(nodesCpuUs[c.id] ?? NaN)} | ${c.socketErrors + c.badStatus === 0 ? '0' : `**${c.badStatus} bad status, ${c.socketErrors} socket errors**`} | ${c.id.startsWith('proxy:lb:') ? r2(vsBare(c)) : ''} |`),
    '',
    '| goal | measured | verdict |',
    '| --- | --- | --- |',
    ...goals.map((g) => `| ${g.goal} | ${g.measured} | ${g.met === undefined ? 'not measured' : g.met ? '**met**' : '**missed**'} |`),
    '',
    'Our LB against the bare http-proxy round by round (the two runs of a round are next to each other; odd rounds run the cases in reverse): ' +
      `GET /api/session ${roundRatios('web')}; GET /hello ${roundRatios('hello')}.`,
    '',
    ...(o.profiles === '' ? [] : ['CPU profiles under signed-in GET /api/session (`--profile`, `node --cpu-prof`, one proxy at a time):', '', '```', o.profiles.replaceAll('### ', '').trimEnd(), '```', ''])
  ].join('\n')
}

async function main (): Promise<void> {
  const { seconds, rounds, connections, profile: withProfiles, write, signedIn } = parseBenchArgs(process.argv.slice(2), {
    ...LOAD_RUN_OPTIONS,
    connections: { type: 'string' },
    'signed-in': { type: 'boolean' },
    write: { type: 'boolean' }
  }, USAGE, ({ values, positionals }) => {
    noPositionals(positionals)
    return {
      ...loadRunFlags(values, { seconds: 4, rounds: 3 }),
      connections: integerFlag('--connections', values.connections, 50),
      signedIn: values['signed-in'] ?? false,
      write: values.write ?? false
    }
  })
  const machine = machineLines()
  let text: string
  let heading: string
  if (signedIn) {
    const measured = await measureSignedIn(seconds, rounds, connections)
    const goals = [signedInProxyGoal(measured.stats), ...proxyGoals(measured.stats).slice(0, 1)]
    const profiles = withProfiles ? await profileSignedIn(seconds, connections) : ''
    text = signedInSection(measured, goals, { seconds, rounds, connections, machine, profiles })
    heading = SIGNED_IN_HEADING
  } else {
    const stats = await measure(seconds, rounds, connections)
    const goals = proxyGoals(stats)
    const profiles = withProfiles ? await profile(seconds, connections) : ''
    text = section(stats, goals, { seconds, rounds, connections, machine, profiles })
    heading = HEADING
  }
  console.log(`\n${text}`)
  if (!write) return
  const results = readFileSync(RESULTS, 'utf8')
  const start = results.indexOf(`${heading}\n`)
  if (start < 0) {
    writeFileSync(RESULTS, `${results.trimEnd()}\n\n${text}`)
  } else {
    const next = results.indexOf('\n## ', start + heading.length)
    writeFileSync(RESULTS, `${results.slice(0, start)}${text}${next < 0 ? '' : `\n${results.slice(next + 1)}`}`)
  }
  log('wrote its section of bench/RESULTS.md')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
