// The proxy comparison on its own (our LB against the other proxies), in about two minutes: three
// bare Fastify /hello servers and, side by side in one run, our LB at 1 and
// at 2 workers, nginx, HAProxy, the bare http-proxy and @fastify/reply-from,
// each driven by wrk on GET /hello over the three nodes (50 connections),
// interleaved in rounds; the figure is the median of the rounds. `npm run
// bench` measures the same cases in its HTTP suite; this runner skips the
// memcached and web-node cases.
//
// `node bench/dist/src/proxy-bench.js [--seconds 4] [--rounds 3] [--connections 50] [--profile] [--write]`
//   --profile  afterwards, CPU profiles (node --cpu-prof) of our LB (1 worker),
//              the bare http-proxy and reply-from under the same load
//   --write    replaces this runner's section of bench/RESULTS.md
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measureCase, statsOf, type BenchCase, type CaseStats, type Run } from './http-bench.js'
import { proxyGoalNotes } from './goal-notes.js'
import { PROXY_LABEL, proxyGoals, type Goal } from './http-section.js'
import { HttpTopology, proxyProcess, type ProxyName } from './http-topology.js'
import { runWrk } from './load-tool.js'
import { machineLines } from './machine-info.js'
import { formatSummary, readProfile, summarizeProfile } from './profile-summary.js'
import { integerFlag, LOAD_RUN_OPTIONS, loadRunFlags, noPositionals, parseBenchArgs } from './bench-args.js'

const RESULTS = new URL('../../RESULTS.md', import.meta.url)
const HEADING = '## Load balancers side by side: our LB at 1 and 2 workers'
const PROXIES: readonly ProxyName[] = ['lb', 'lb-2w', 'bare-proxy', 'reply-from', 'nginx', 'haproxy']

const USAGE = 'usage: node bench/dist/src/proxy-bench.js [--seconds N] [--rounds N] [--connections N] [--profile] [--write]'

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
  const out: string[] = []
  for (const name of profiled) {
    const files = existsSync(join(dir, name)) ? readdirSync(join(dir, name)).filter((f) => f.endsWith('.cpuprofile')) : []
    if (files[0] === undefined) continue
    out.push(formatSummary(`${name} (${files[0]})`, summarizeProfile(readProfile(join(dir, name, files[0])), 12)))
  }
  log(`profiles in ${dir}`)
  return out.join('\n')
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

async function main (): Promise<void> {
  const { seconds, rounds, connections, profile: withProfiles, write } = parseBenchArgs(process.argv.slice(2), {
    ...LOAD_RUN_OPTIONS,
    connections: { type: 'string' },
    write: { type: 'boolean' }
  }, USAGE, ({ values, positionals }) => {
    noPositionals(positionals)
    return {
      ...loadRunFlags(values, { seconds: 4, rounds: 3 }),
      connections: integerFlag('--connections', values.connections, 50),
      write: values.write ?? false
    }
  })
  const machine = machineLines()
  const stats = await measure(seconds, rounds, connections)
  const goals = proxyGoals(stats)
  const profiles = withProfiles ? await profile(seconds, connections) : ''
  const text = section(stats, goals, { seconds, rounds, connections, machine, profiles })
  console.log(`\n${text}`)
  if (!write) return
  const results = readFileSync(RESULTS, 'utf8')
  const start = results.indexOf(`${HEADING}\n`)
  if (start < 0) {
    writeFileSync(RESULTS, `${results.trimEnd()}\n\n${text}`)
  } else {
    const next = results.indexOf('\n## ', start + HEADING.length)
    writeFileSync(RESULTS, `${results.slice(0, start)}${text}${next < 0 ? '' : `\n${results.slice(next + 1)}`}`)
  }
  log('wrote its section of bench/RESULTS.md')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
