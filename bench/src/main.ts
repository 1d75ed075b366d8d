// `npm run bench [-- --quick] [-- store|http|profile ...]`: runs the benchmark
// suites and writes bench/RESULTS.md (and its SVG charts in bench/charts/).
// Every server it needs it starts and stops itself, on free loopback ports.
//
//   store    the session store against a bare memcache-client (and refill)
//   http     one node, replicas, session size, LBs vs nginx/HAProxy,
//            concurrency, failover under load
//   profile  CPU profiles of a web node and our LB under load -> PROFILES.md
//   live     idle WebSockets through our LB: memory, CPU and memcached
//            operations per socket, and a logout everywhere's closes
//
// Without a suite name it runs store and http. A run of some suites replaces
// only their sections of RESULTS.md.
//
// `--before DIR` (http only): DIR is another built checkout, the code before a
// change; its web node runs beside ours and the goal cases of one node run on
// both in the same rounds (side-by-side.ts).
import { readFileSync, writeFileSync, existsSync, realpathSync } from 'node:fs'
import { relative } from 'node:path'
import { FULL, QUICK, runStoreBench, storeSection, type StoreBenchResult } from './store-bench.js'
import { HTTP_FULL, HTTP_QUICK, runHttpBench, type HttpBenchResult } from './http-bench.js'
import { httpGoals, httpSection, writeHttpCharts, type Goal } from './http-section.js'
import { missedGoalNotes } from './goal-notes.js'
import { runProfiles } from './profile-run.js'
import { machineLines } from './machine-info.js'
import { BenchArgsError, checkoutFlag, parseBenchArgs } from './bench-args.js'
import { LIVE_FULL, LIVE_QUICK, runLiveBench } from './live-bench.js'
import { liveSection } from './live-section.js'
import { ROOT_DIR } from './http-topology.js'
import { checkoutCommit } from './side-by-side.js'

const RESULTS = new URL('../../RESULTS.md', import.meta.url)
const CHARTS = new URL('../../charts/', import.meta.url)
const SUITES = ['store', 'http', 'profile', 'live'] as const
type Suite = typeof SUITES[number]
const USAGE = [
  `usage: npm run bench [-- --quick] [-- --before DIR] [-- ${SUITES.join('|')} ...]`,
  '  --before DIR  another built checkout (the code before a change) whose web node the http suite measures beside ours; the other suites ignore it'
].join('\n')

const COMMANDS = [
  '## How to run',
  '',
  '| command | what | time on this machine |',
  '| --- | --- | --- |',
  '| `npm run bench` | everything below; installs memcached, nginx, haproxy and wrk with apt-get when missing (as root) | about 15–16 min |',
  '| `npm run bench -- --quick` | the same cases with 1 s runs, 50 real logins, fewer big sessions, a smaller concurrency sweep | under 2 min |',
  '| `npm run bench -- store` / `-- http` | one suite; replaces only its sections here | |',
  '| `npm run bench -- --before DIR` (also with `--quick`, `http`) | a change side by side with the code before it: DIR is another built checkout (`git worktree add ../before HEAD~1`, then `npm ci && npx tsc -b` there); its web node runs beside ours on the same memcached servers as `web-before` (2 replicas) and `web-solo-before` (1 replica), each goal case of one node (reads, cart writes, 200 B and 4 KB sessions, /healthz) runs on both in every round, and the HTTP section gets a table of both builds\' req/s and CPU per request and of their goal ratios. The store suite ignores it | adds about 1½ min (`--quick`: about 30 s) |',
  '| `npm run bench -- live` (`--quick`) | 10,000 idle WebSockets through our LB (1,000): memory, CPU and memcached operations per socket against no socket, and the closes of a logout everywhere of 300 sockets with and without them; not part of a plain `npm run bench` (it holds 20,000 descriptors in the LB) | 2–4 min / about 1½ min |',
  '| `npm run bench -- profile` | CPU profiles of the web nodes and our LB under load, and logging on/off A/B runs: [PROFILES.md](PROFILES.md) | about 2 min |',
  '| `npm run chaos` / `npm run chaos -- --short` | kills, restarts, freezes, an asymmetric partition and a pool grown 2 → 3 and shrunk 3 → 2 under 50 signed-in users; exits non-zero when a goal is missed; writes its report to bench/out/chaos.md, and with `--write-doc` to [CHAOS.md](CHAOS.md) | about 4 min / about 1½–2 min |',
  '| `node bench/dist/src/proxy-bench.js` (`--profile`, `--write`) | only the proxies on GET /hello: our LB at 1 and 2 workers, the bare http-proxy, @fastify/reply-from, nginx and HAProxy side by side, with the two proxy goals; `--profile` adds CPU profiles of the Node proxies, `--write` its section here | about 2 min |',
  '| `node bench/dist/src/proxy-bench.js --signed-in` (`--profile`, `--write`) | our LB against the bare http-proxy on signed-in GET /api/session over web-1..3 (memcached, 1,000 sessions) and on GET /hello, with the CPU of the nodes and the ratio of each round; notes in [SIGNED-IN-PROXY.md](SIGNED-IN-PROXY.md) | about 1.5 min |',
  '| `node bench/dist/src/frozen-bench.js` (`--quick`) | only the frozen-memcached runs: the longest read and the longest cart write while one memcached is SIGSTOPped, against its timeout | about 1 min |',
  '| `node bench/dist/src/repro/stale-read-after-return.js` | bug repro: a write acknowledged through one node is missing from the next read through another after a memcached server returns (exits 1 while the bug is there) | 5 s |',
  '| `node bench/dist/src/repro/stale-merge-while-recovering.js` | bug repro: cart items acknowledged while a memcached server was frozen are merged away by the first writes after it thaws, before its refill ends (exits 1 while the bug is there) | 5 s |',
  '| `node bench/dist/src/repro/overload-marks-servers-down.js` | bug repro: an overloaded node marks both healthy memcached servers down and answers 503 for 15 s (exits 1 while the bug is there) | 20 s |',
  '',
  'Every server is a child process on free loopback ports (never the contract ports), with its logs, configs, pid and temp files in a temp dir, stopped by PID at the end (also on failure or Ctrl-C).',
  ''
].join('\n')

/** The command line that ran this, as a reader would type it: npm's, or node's with the binary used. */
function liveCommand (quick: boolean): string {
  const args = `live${quick ? ' --quick' : ''}`
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench -- ${args}`
  // the test runner's Nodes live in .cache/node-<major>/ (a symlink may lead elsewhere)
  const cached = `${ROOT_DIR}.cache/node-${process.versions.node.split('.')[0] ?? ''}/package/bin/node`
  const node = process.execPath.startsWith(ROOT_DIR) ? relative(ROOT_DIR, process.execPath) : existsSync(cached) && realpathSync(cached) === process.execPath ? relative(ROOT_DIR, cached) : 'node'
  return `${node} bench/dist/src/main.js ${args}`
}

/** Splits a markdown file into its preamble and `## ` sections, keyed by heading. */
function sections (text: string): Map<string, string> {
  const out = new Map<string, string>()
  const parts = text.split(/^(?=## )/m)
  for (const part of parts) {
    if (!part.startsWith('## ')) continue
    out.set(part.split('\n', 1)[0] as string, part.trimEnd() + '\n')
  }
  return out
}

function heading (section: string): string {
  return section.split('\n', 1)[0] as string
}

async function main (): Promise<void> {
  const { quick, chosen, before, beforeArg } = parseBenchArgs(process.argv.slice(2), { quick: { type: 'boolean' }, before: { type: 'string' } }, USAGE, ({ values, positionals }) => {
    const unknown = positionals.filter((a) => !SUITES.includes(a as Suite))
    if (unknown.length > 0) throw new BenchArgsError(`unknown argument(s): ${unknown.join(' ')}`)
    return { quick: values.quick ?? false, chosen: positionals as Suite[], before: checkoutFlag('--before', values.before), beforeArg: values.before }
  })
  const suites = new Set<Suite>(chosen.length > 0 ? chosen : ['store', 'http'])
  const log = (line: string): void => { console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`) }
  if (before !== undefined && !suites.has('http')) log(`--before ${beforeArg ?? ''}: only the http suite measures the code before; ignored`)
  const started = Date.now()
  const machine = machineLines()
  const produced: string[] = []

  let store: StoreBenchResult | undefined
  if (suites.has('store')) {
    store = await runStoreBench(quick ? QUICK : FULL, log)
    produced.push(storeSection(store))
    log(`store: ${JSON.stringify(store.cases)}`)
  }
  let http: HttpBenchResult | undefined
  if (suites.has('http')) {
    http = await runHttpBench({ ...(quick ? HTTP_QUICK : HTTP_FULL), beforeDir: before }, log)
    const goals: Goal[] = httpGoals(http)
    if (store !== undefined) {
      const ms = store.refill.restartToUpMs
      goals.push({ goal: 'refill of 10,000 sessions onto a memcached restarted empty ≤ 5 s', measured: `${store.refill.copied.toLocaleString('en-US')} keys copied in ${store.refill.refillMs} ms; ${ms} ms from the restart to the server serving reads (store section)`, met: ms <= 5_000 })
    } else {
      goals.push({ goal: 'refill of 10,000 sessions onto a memcached restarted empty ≤ 5 s', measured: 'see the store section (not run this time)', met: undefined })
    }
    produced.push(httpSection(http, goals, missedGoalNotes(http, goals)))
    writeHttpCharts(http, CHARTS)
    for (const g of goals) log(`goal: ${g.goal}: ${g.measured} -> ${g.met === undefined ? 'not measured' : g.met ? 'met' : 'MISSED'}`)
  }
  if (suites.has('profile')) {
    await runProfiles({ quick }, log)
    log('wrote bench/PROFILES.md')
  }
  if (suites.has('live')) {
    const live = await runLiveBench(quick ? LIVE_QUICK : LIVE_FULL, log)
    produced.push(liveSection(live, { command: liveCommand(quick), commit: checkoutCommit(ROOT_DIR), machine }))
  }
  if (produced.length === 0) return

  const seconds = Math.round((Date.now() - started) / 1000)
  const flags = [...(quick ? ['--quick'] : []), ...(before !== undefined && suites.has('http') ? [`--before ${beforeArg ?? ''}`] : []), ...chosen]
  const command = `npm run bench${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}`
  const old = existsSync(RESULTS) ? sections(readFileSync(RESULTS, 'utf8')) : new Map<string, string>()
  for (const s of produced) old.set(heading(s), s.trimEnd() + '\n')
  old.set(heading(COMMANDS), COMMANDS)
  // canonical order: commands, HTTP (with the goals), store, anything else
  const order = (h: string): number => h === heading(COMMANDS) ? 0 : h.startsWith('## The HTTP') ? 1 : h.startsWith('## The session store') ? 2 : 3
  const body = [...old.entries()].sort((a, b) => order(a[0]) - order(b[0])).map(([, s]) => s).join('\n')
  const header = [
    '# Benchmark results',
    '',
    `Last written by \`${command}\` on ${new Date().toISOString().slice(0, 10)} in ${seconds} s (sections: ${produced.map((s) => heading(s).slice(3)).join('; ')}).`,
    '',
    ...machine,
    '- The machine is shared and noisy: every figure that matters is a ratio against a peer measured in the same run, and CPU per request is reported beside throughput because it moves much less with the neighbours.',
    ''
  ].join('\n')
  writeFileSync(RESULTS, `${header}\n${body}`)
  log(`wrote bench/RESULTS.md in ${seconds} s total`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
