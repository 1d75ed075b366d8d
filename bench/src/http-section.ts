// RESULTS.md sections and SVG charts of the HTTP benchmark. Every goal is a
// ratio of two cases measured in the same rounds (round-ratio.ts), and says
// met or missed.
import { mkdirSync, writeFileSync } from 'node:fs'
import type { CaseStats, HttpBenchResult } from './http-bench.js'
import type { LoadResult } from './load-tool.js'
import { renderCharts } from './svg-chart.js'
import { frozenGoal } from './failover-bench.js'
import { NODE_GOALS, sideBySideSection } from './side-by-side.js'
import { roundRatio, roundRatiosText } from './round-ratio.js'
import { medianOf } from './median.js'

export interface Goal {
  goal: string
  measured: string
  met: boolean | undefined
}

export const PROXY_LABEL: Record<string, string> = { lb: 'our LB', 'lb-2w': 'our LB, 2 workers', nginx: 'nginx', haproxy: 'HAProxy', 'bare-proxy': 'bare http-proxy', 'reply-from': '@fastify/reply-from' }

const n0 = (x: number): string => Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–'
const n1 = (x: number): string => Number.isFinite(x) ? x.toFixed(1) : '–'
const r2 = (x: number): string => Number.isFinite(x) ? `${x.toFixed(2)}×` : '–'
const verdict = (met: boolean | undefined): string => met === undefined ? 'not measured' : met ? '**met**' : '**missed**'

function errorsOf (c: CaseStats): string {
  const total = c.socketErrors + c.badStatus
  return total === 0 ? '0' : `**${c.badStatus} bad status, ${c.socketErrors} socket errors**`
}

function row (c: CaseStats | undefined, extra: string[] = []): string {
  if (c === undefined) return ''
  return `| ${c.label} | ${n0(c.rps)} | ${n1(c.p50Ms)} | ${n1(c.p99Ms)} | ${n0(c.serverCpuUs)} | ${errorsOf(c)} |${extra.map((e) => ` ${e} |`).join('')}`
}

export function httpGoals (r: HttpBenchResult): Goal[] {
  const c = r.cases
  const rps = (id: string): number => c[id]?.rps ?? NaN
  const goals: Goal[] = []
  const ratioGoal = (goal: string, a: string, b: string, min: number, what: string): void => {
    const x = roundRatio(c[a], c[b])
    goals.push({ goal, measured: `${r2(x)} (${roundRatiosText(c[a], c[b])}; medians ${n0(rps(a))} vs ${n0(rps(b))} req/s)${what}`, met: Number.isFinite(x) ? x >= min : undefined })
  }
  const g = NODE_GOALS
  ratioGoal(`signed-in GET /api/session (2 replicas) ≥ ${g.readVsHello.toFixed(2)}× one Fastify node's GET /hello`, 'node:read-2', 'tool:wrk-t1', g.readVsHello,
    `; against the web node's own /healthz: ${r2(roundRatio(c['node:read-2'], c['node:healthz']))}`)
  const cpuCost = (a: string, b: string): string => `; CPU per request ${n0(c[a]?.serverCpuUs ?? NaN)} vs ${n0(c[b]?.serverCpuUs ?? NaN)} µs (${r2((c[a]?.serverCpuUs ?? NaN) / (c[b]?.serverCpuUs ?? NaN))})`
  ratioGoal('two replicas cost ≤ 5% on reads (2 replicas ≥ 0.95× 1 replica)', 'node:read-2', 'node:read-1', 0.95, cpuCost('node:read-2', 'node:read-1'))
  ratioGoal(`two replicas cost ≤ ${Math.round((1 - g.writeReplicas) * 100)}% on writes (2 replicas ≥ ${g.writeReplicas.toFixed(2)}× 1 replica)`, 'node:write-2', 'node:write-1', g.writeReplicas, cpuCost('node:write-2', 'node:write-1'))
  ratioGoal('our LB ≥ 0.5× nginx on GET /hello over 3 nodes', 'proxy:lb:hello', 'proxy:nginx:hello', 0.5,
    c['proxy:bare-proxy:hello'] === undefined ? '' : `; the bare http-proxy reference: ${r2(roundRatio(c['proxy:bare-proxy:hello'], c['proxy:nginx:hello']))}`)
  ratioGoal('our LB ≥ 0.8× nginx on GET /api/session over 3 nodes', 'proxy:lb:web', 'proxy:nginx:web', 0.8, '')
  goals.push(...proxyGoals(c))
  goals.push(signedInProxyGoal(c))
  ratioGoal(`a 4 KB session ≥ ${g.sizeKb4}× a 200 B one (GET /api/session, one node, ${r.options.sizeConnections} connections)`, 'size:4 KB', 'size:200 B', g.sizeKb4, '')

  const f = r.failover
  const normalP99 = medianOf(f.normal.map((x) => x.p99Ms))
  const afterP99 = medianOf(f.after.map((x) => x.p99Ms))
  // Reads and cart writes, judged in one place (failover-bench.ts) for this report and frozen-bench.
  goals.push(frozenGoal(f))
  goals.push({
    goal: 'once it is marked down, p99 within 1.5× of normal',
    measured: `${r2(afterP99 / normalP99)} (p99 ${n0(afterP99)} ms vs ${n0(normalP99)} ms; medians of ${f.after.length} runs each, run p99s ${f.normal.map((x) => n0(x.p99Ms)).join('/')} before and ${f.after.map((x) => n0(x.p99Ms)).join('/')} after)`,
    met: afterP99 <= 1.5 * normalP99
  })
  return goals
}

/**
 * The proxy goals, on GET /hello over 3 nodes: our LB at 1 worker costs no
 * more than a bare http-proxy, and the best of our LB's configurations (1 or
 * 2 workers) keeps up with @fastify/reply-from.
 */
export function proxyGoals (c: Readonly<Record<string, CaseStats | undefined>>): Goal[] {
  const rps = (id: string): number => c[id]?.rps ?? NaN
  const cpu = (id: string): number => c[id]?.serverCpuUs ?? NaN
  const one = roundRatio(c['proxy:lb:hello'], c['proxy:bare-proxy:hello'])
  const bestId = rps('proxy:lb-2w:hello') > rps('proxy:lb:hello') ? 'proxy:lb-2w:hello' : 'proxy:lb:hello'
  const best = roundRatio(c[bestId], c['proxy:reply-from:hello'])
  return [
    {
      goal: 'our LB at 1 worker ≥ 1.0× the bare http-proxy (GET /hello over 3 nodes)',
      measured: `${r2(one)} (${n0(rps('proxy:lb:hello'))} vs ${n0(rps('proxy:bare-proxy:hello'))} req/s; CPU per request ${n0(cpu('proxy:lb:hello'))} vs ${n0(cpu('proxy:bare-proxy:hello'))} µs)`,
      met: Number.isFinite(one) ? one >= 1 : undefined
    },
    {
      goal: 'the best configuration of our LB ≥ @fastify/reply-from (GET /hello over 3 nodes)',
      measured: `${r2(best)}: ${bestId === 'proxy:lb-2w:hello' ? '2 workers' : '1 worker'}, ${n0(rps(bestId))} vs ${n0(rps('proxy:reply-from:hello'))} req/s (1 worker ${n0(rps('proxy:lb:hello'))}, 2 workers ${n0(rps('proxy:lb-2w:hello'))}); CPU per request ${n0(cpu(bestId))} vs ${n0(cpu('proxy:reply-from:hello'))} µs`,
      met: Number.isFinite(best) ? best >= 1 : undefined
    }
  ]
}

/**
 * Our LB at 1 worker against the bare http-proxy where a request carries a
 * session (a Cookie header in, a JSON body and no-store headers out): what
 * our features cost beyond http-proxy must not grow with a real answer.
 */
export function signedInProxyGoal (c: Readonly<Record<string, CaseStats | undefined>>): Goal {
  const rps = (id: string): number => c[id]?.rps ?? NaN
  const cpu = (id: string): number => c[id]?.serverCpuUs ?? NaN
  const x = roundRatio(c['proxy:lb:web'], c['proxy:bare-proxy:web'])
  return {
    goal: 'our LB ≥ 0.95× the bare http-proxy on signed-in GET /api/session over 3 nodes',
    measured: `${r2(x)} (${n0(rps('proxy:lb:web'))} vs ${n0(rps('proxy:bare-proxy:web'))} req/s; CPU per request ${n0(cpu('proxy:lb:web'))} vs ${n0(cpu('proxy:bare-proxy:web'))} µs)`,
    met: Number.isFinite(x) ? x >= 0.95 : undefined
  }
}

function failoverRows (name: string, runs: readonly LoadResult[]): string {
  const m = (f: (x: LoadResult) => number): number => medianOf(runs.map(f))
  const bad = runs.reduce((s, x) => s + x.badStatus + x.socketErrors, 0)
  return `| ${name} | ${runs.length} | ${n0(m((x) => x.rps))} | ${n1(m((x) => x.p50Ms))} | ${n1(m((x) => x.p99Ms))} | ${n0(Math.max(...runs.map((x) => x.maxMs)))} | ${bad} |`
}

export function toolSection (r: HttpBenchResult): string {
  const c = r.cases
  const wrk = c['tool:wrk-t1']
  const ac = c['tool:autocannon']
  const rows = [...r.options.wrkThreads.map((t) => `tool:wrk-t${t}`), 'tool:autocannon'].flatMap((id) => c[id] ?? [])
    .map((x) => `| ${x.label} | ${n0(x.rps)} | ${n1(x.p99Ms)} | ${n1(x.toolCpuUs)} | ${n0(x.serverCpuUs)} |`)
  const cheaper = wrk !== undefined && ac !== undefined && wrk.toolCpuUs < ac.toolCpuUs
  return [
    '### Load tool: wrk or autocannon',
    '',
    `Both drive the fastest target of the suite (one bare Fastify node, GET /hello, ${r.options.connections} connections), where the load generator is most likely the limit.`,
    '',
    '| tool | req/s | p99 ms | tool CPU µs/request | server CPU µs/request |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    wrk === undefined || ac === undefined
      ? ''
      : `The suite uses **wrk with one thread**. ${cheaper ? `It spends ${n1(wrk.toolCpuUs)} µs of CPU per request where autocannon spends ${n1(ac.toolCpuUs)} µs (${r2(ac.toolCpuUs / wrk.toolCpuUs)})` : `In this run autocannon spent ${n1(ac.toolCpuUs)} µs of CPU per request and wrk ${n1(wrk.toolCpuUs)} µs`}: on two cores shared by the load generator and every server, each CPU-second the tool burns is taken from the servers it measures. autocannon is one Node event loop parsing every response in JavaScript; wrk is C on epoll with a LuaJIT hook, and its -t1 stays under half a core at these rates. wrk also rotates 1,000 session cookies from a Lua table at no extra cost, and reports p99 from full-resolution histograms. autocannon's latencies are whole milliseconds, so its p99 on sub-millisecond targets is coarse.`,
    ''
  ].join('\n')
}

export function httpSection (r: HttpBenchResult, goals: readonly Goal[], notes: readonly string[] = []): string {
  const c = r.cases
  const o = r.options
  const header = '| case | req/s | p50 ms | p99 ms | server CPU µs/request | errors |'
  const sep = '| --- | ---: | ---: | ---: | ---: | --- |'
  const proxies = o.proxies.filter((p) => c[`proxy:${p}:hello`] !== undefined)
  const levels = [...new Set([o.connections, ...o.sweepLevels])].sort((a, b) => a - b)
  const concId = (p: string, level: number): string => level === o.connections ? `proxy:${p}:web` : `conc:${p}:${level}`
  const f = r.failover
  return [
    '## The HTTP stack: web nodes, our LB and its peers',
    '',
    `Each case ran ${o.rounds} times for ${o.durationS} s, interleaved (every case once, then again, every other round in reverse order), and each figure is the median of its runs; the cases the goals of one node compare (/hello, the node's reads, cart writes, 200 B and 4 KB sessions, /healthz${r.commits === undefined ? '' : ', and their twins on the code before'}) ran ${Math.max(o.rounds, o.goalRounds)} times, after one unmeasured run each as a warm-up (every target also got 2 s at 8 connections first). A goal's ratio is the median of its rounds' ratios: in every round both of its cases ran within seconds of each other (/hello next to the signed-in read), taking turns at running first, so a neighbour's burst moves one round's ratio, not the verdict. With an even count of rounds, each forward round is paired with the reverse round after it and the pair counts as the geometric mean of its two ratios, so a cost of running first, paid once by each case, cancels out. ${o.connections} connections unless stated. Load: wrk, 1 thread, rotating over ${o.sessions.toLocaleString('en-US')} distinct signed-in sessions (${r.logins.toLocaleString('en-US')} logged in through \`POST /api/login\` in ${n0(r.loginMs)} ms, the rest copies of them written through the store with fresh ids and signed cookies). Writes are \`POST /api/cart\` on another ${o.sessions.toLocaleString('en-US')} sessions whose carts are emptied before each run. "Server CPU" is the CPU time (user + system, from /proc) that the process under test used per request: the steadier figure on a noisy machine.`,
    '',
    'Topology, all on loopback, every process started and stopped by the benchmark: memcached-a and -b; web-1..3 with both servers (2 replicas) and web-solo with memcached-a only (1 replica); three bare Fastify `/hello` servers (the web node has no `/hello` route, so the baseline is our own minimal Fastify server, `bench/src/hello-server.ts`; the web node\'s no-session route `/healthz` is reported beside it); our LB twice (over the hello servers, over web-1..3); nginx and HAProxy (`bench/configs/`, one worker/thread, round robin, keep-alive to the nodes: `keepalive 64` / `http-reuse always`, the same X-Forwarded-* and X-Request-Id headers our LB sets)' + (proxies.includes('bare-proxy') ? '; a bare http-proxy round robin (`bench/src/bare-proxy.ts`) as a reference for what any Node http-proxy LB costs here' : '') + (proxies.includes('lb-2w') ? '; our LB again with `LB_WORKERS=2` (a primary and two node:cluster workers, CPU counted over all three)' : '') + (proxies.includes('reply-from') ? '; Fastify with @fastify/reply-from over undici (`bench/src/reply-from-proxy.ts`), the Node peer.' : '.'),
    '',
    '### Goals',
    '',
    '| goal | measured | verdict |',
    '| --- | --- | --- |',
    ...goals.map((g) => `| ${g.goal} | ${g.measured} | ${verdict(g.met)} |`),
    '',
    ...(r.commits === undefined ? [] : [sideBySideSection(c, r.commits)]),
    ...(notes.length > 0 ? ['What the missed goals come down to (profiles: [PROFILES.md](PROFILES.md), `npm run bench -- profile`):', '', ...notes.map((x) => `- ${x}`), ''] : []),
    toolSection(r),
    '### One node',
    '',
    '![one node: throughput and p99](charts/one-node.svg)',
    '',
    header + ' vs /hello |',
    sep + ' ---: |',
    ...['tool:wrk-t1', 'node:healthz', 'node:read-1', 'node:read-2', 'node:write-1', 'node:write-2'].map((id) => row(c[id] === undefined ? undefined : { ...c[id], label: id === 'tool:wrk-t1' ? 'bare Fastify GET /hello (baseline)' : c[id].label }, [r2(roundRatio(c[id], c['tool:wrk-t1']))])),
    '',
    '### Load balancers over three nodes',
    '',
    '![peers: throughput and p99](charts/peers.svg)',
    '',
    '| case | req/s | p50 ms | p99 ms | proxy CPU µs/request | errors | vs nginx |',
    sep + ' ---: |',
    ...proxies.flatMap((p) => [`proxy:${p}:hello`]).map((id) => row(c[id], [r2((c[id]?.rps ?? NaN) / (c['proxy:nginx:hello']?.rps ?? NaN))])),
    ...proxies.flatMap((p) => [`proxy:${p}:web`]).map((id) => row(c[id], [r2((c[id]?.rps ?? NaN) / (c['proxy:nginx:web']?.rps ?? NaN))])),
    '',
    '### Session size',
    '',
    `The cart carries the size (items of 100 characters; past 100 items, written directly through the store), so the response grows with the session: a big cart is what makes a big session in this app. ${o.sizeConnections} connections, as when this sweep was first measured (at 50, 512 KB reads keep the node's loop busy past the store's 1 s timeout, and the store must tell that busy loop from a slow server: \`node bench/dist/src/repro/overload-marks-servers-down.js\` checks it does). At 50 connections the small sessions gain more from batched gets than the big ones, and the 4 KB ratio is lower (about 0.63× in \`node bench/dist/src/node-quick.js --only session\`).`,
    '',
    '![session size: throughput and p99](charts/session-size.svg)',
    '',
    '| session | stored bytes | req/s | p50 ms | p99 ms | node CPU µs/request | errors | vs 200 B |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...r.sizeLabels.map((label) => {
      const s = c[`size:${label}`]
      if (s === undefined) return ''
      return `| ${label} | ${n0(r.sessionBytes[label] ?? NaN)} | ${n0(s.rps)} | ${n1(s.p50Ms)} | ${n1(s.p99Ms)} | ${n0(s.serverCpuUs)} | ${errorsOf(s)} | ${r2(s.rps / (c['size:200 B']?.rps ?? NaN))} |`
    }),
    '',
    '### Concurrency',
    '',
    '![concurrency: throughput and p99](charts/concurrency.svg)',
    '',
    'GET /api/session through each proxy over web-1..3 (2 replicas).',
    '',
    `| connections | ${o.sweepProxies.map((p) => `${PROXY_LABEL[p] ?? p} req/s | p99 ms`).join(' | ')} |`,
    `| ---: | ${o.sweepProxies.map(() => '---: | ---:').join(' | ')} |`,
    ...levels.map((level) => `| ${level} | ${o.sweepProxies.map((p) => { const s = c[concId(p, level)]; return `${n0(s?.rps ?? NaN)} | ${n1(s?.p99Ms ?? NaN)}` }).join(' | ')} |`),
    '',
    '### Failover: memcached-a frozen under load',
    '',
    `GET /api/session through our LB over web-1..3, ${f.connections} connections, and beside it POST /api/cart (a read-modify-write) on ${f.writeConnections} connections; runs of ${f.shortDurationS} s (the frozen one ${f.durationS} s, so requests that wait out the timeout finish inside it); SESSION_SERVERS with \`timeout=${f.timeoutMs / 1000}&retry_interval=15\`. memcached-a got SIGSTOP the moment the "frozen" run started and SIGCONT after the last run.`,
    '',
    '| phase | runs | req/s | p50 ms | p99 ms | max ms | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    failoverRows('normal', f.normal),
    failoverRows('frozen (starts at SIGSTOP)', [f.frozen]),
    failoverRows('frozen, marked down', f.after),
    failoverRows('cart writes, normal', f.normalWrites),
    failoverRows('cart writes, frozen (starts at SIGSTOP)', [f.frozenWrites]),
    '',
    '### Incidents',
    '',
    r.incidents.length === 0
      ? 'None: before every run each web node reported every memcached server up.'
      : 'Before these runs a web node reported a memcached server not up, though none had been touched; the benchmark waited until every node saw both up again, so no case ran on a degraded cluster. A node marks a server down when a command takes longer than its timeout, which includes time the reply waits in the node\'s own busy event loop.',
    ...(r.incidents.length === 0 ? [] : ['', '| after case | before case | what the nodes reported | waited ms |', '| --- | --- | --- | ---: |', ...r.incidents.map((i) => `| ${i.after ?? 'warm-up'} | ${i.before} | ${i.states} | ${n0(i.waitedMs)} |`)]),
    ''
  ].join('\n')
}

/** Writes the SVG charts into `dir`. */
export function writeHttpCharts (r: HttpBenchResult, dir: URL): void {
  mkdirSync(dir, { recursive: true })
  const c = r.cases
  const o = r.options
  const note = `${o.rounds} runs of ${o.durationS} s per case, medians; 2 shared cores; wrk -t1, ${o.connections} connections unless stated.`
  const oneNode = [
    ['tool:wrk-t1', '/hello'], ['node:healthz', '/healthz'], ['node:read-1', 'read 1r'], ['node:read-2', 'read 2r'], ['node:write-1', 'write 1r'], ['node:write-2', 'write 2r']
  ] as const
  writeFileSync(new URL('one-node.svg', dir), renderCharts('One node: bare Fastify /hello vs the web node', [
    { title: 'throughput', kind: 'bar', yLabel: 'requests/s', categories: oneNode.map(([, l]) => l), series: [{ name: 'one node', values: oneNode.map(([id]) => c[id]?.rps) }] },
    { title: 'p99 latency', kind: 'bar', yLabel: 'ms', categories: oneNode.map(([, l]) => l), series: [{ name: 'one node', values: oneNode.map(([id]) => c[id]?.p99Ms) }] }
  ], `${note} read = GET /api/session, write = POST /api/cart; 1r/2r = replicas.`))

  const proxies = o.proxies.filter((p) => c[`proxy:${p}:hello`] !== undefined)
  const routes = [['hello', 'GET /hello'], ['web', 'GET /api/session']] as const
  writeFileSync(new URL('peers.svg', dir), renderCharts('Load balancers over three nodes', [
    { title: 'throughput', kind: 'bar', yLabel: 'requests/s', categories: routes.map(([, l]) => l), series: proxies.map((p) => ({ name: PROXY_LABEL[p] ?? p, values: routes.map(([g]) => c[`proxy:${p}:${g}`]?.rps) })) },
    { title: 'p99 latency', kind: 'bar', yLabel: 'ms', categories: routes.map(([, l]) => l), series: proxies.map((p) => ({ name: PROXY_LABEL[p] ?? p, values: routes.map(([g]) => c[`proxy:${p}:${g}`]?.p99Ms) })) }
  ], note))

  const sizeCase = (label: string): CaseStats | undefined => c[`size:${label}`]
  writeFileSync(new URL('session-size.svg', dir), renderCharts('GET /api/session on one node vs session size', [
    { title: 'throughput', kind: 'bar', yLabel: 'requests/s', xLabel: 'session size', categories: r.sizeLabels, series: [{ name: 'web node, 2 replicas', values: r.sizeLabels.map((l) => sizeCase(l)?.rps) }] },
    { title: 'p99 latency (log scale)', kind: 'bar', log: true, yLabel: 'ms', xLabel: 'session size', categories: r.sizeLabels, series: [{ name: 'web node, 2 replicas', values: r.sizeLabels.map((l) => sizeCase(l)?.p99Ms) }] }
  ], `${o.rounds} runs of ${o.durationS} s per case, medians; 2 shared cores; wrk -t1, ${o.sizeConnections} connections.`))

  const levels = [...new Set([o.connections, ...o.sweepLevels])].sort((a, b) => a - b)
  const concId = (p: string, level: number): string => level === o.connections ? `proxy:${p}:web` : `conc:${p}:${level}`
  writeFileSync(new URL('concurrency.svg', dir), renderCharts('GET /api/session through each LB vs concurrency', [
    { title: 'throughput', kind: 'line', yLabel: 'requests/s', xLabel: 'connections', categories: levels.map(String), series: o.sweepProxies.map((p) => ({ name: PROXY_LABEL[p] ?? p, values: levels.map((l) => c[concId(p, l)]?.rps) })) },
    { title: 'p99 latency (log scale)', kind: 'line', log: true, yLabel: 'ms', xLabel: 'connections', categories: levels.map(String), series: o.sweepProxies.map((p) => ({ name: PROXY_LABEL[p] ?? p, values: levels.map((l) => c[concId(p, l)]?.p99Ms) })) }
  ], note))
}
