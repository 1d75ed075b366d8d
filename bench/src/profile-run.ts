// `npm run bench -- profile`: where the web node and our LB spend their CPU.
//
// web-1 gets only GET /api/session (200 B sessions), web-2 only POST
// /api/cart, web-3 only GET /api/session on 64 KB sessions and lb-hello only
// GET /hello, each under `node --cpu-prof`, so each profile is one kind of
// request. Beside them, A/B runs against copies started with
// LOG_LEVEL=warn measure what per-request logging costs (a setting, not a
// code change). Writes bench/PROFILES.md; the .cpuprofile files stay in
// bench/out/profiles/ for Chrome DevTools or speedscope.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HttpTopology, ROOT_DIR, type Endpoint } from './http-topology.js'
import { cartOfSize, loginMany, SessionEditor, writeCookieFile } from './session-pool.js'
import { measureCase, CART_WRITE_BODY, type BenchCase } from './http-bench.js'
import { formatSummary, readProfile, sampleShare, summarizeProfile, type ProfileNode, type SampleTest } from './profile-summary.js'
import { machineLines } from './machine-info.js'
import { noPositionals, parseBenchArgs } from './bench-args.js'

const PROFILED = ['web-1', 'web-2', 'web-3', 'lb-hello'] as const
const OUT = join(ROOT_DIR, 'bench', 'out', 'profiles')
const PROFILES_MD = new URL('../../PROFILES.md', import.meta.url)

const urlHas = (n: ProfileNode | undefined, parts: readonly string[]): boolean => n !== undefined && parts.some((p) => n.callFrame.url.includes(p))
/** The sampled frame itself is one of these (native work such as a syscall). */
const leaf = (...names: string[]): SampleTest => (stack) => names.includes(stack[0]?.callFrame.functionName ?? '')
const SOCKET_WRITES = leaf('writev', 'writeUtf8String', 'writeLatin1String', 'writeBuffer')
/** The code that asked for the work is in one of these files or packages (socket writes excluded). */
const ownedBy = (...parts: string[]): SampleTest => (stack, owner) => !SOCKET_WRITES(stack, owner) && urlHas(stack[owner], parts)
/** ...or is `helper` (say, a JSON stringifier) called from there. */
const ownedVia = (parts: readonly string[], helper: readonly string[]): SampleTest => (stack, owner) => !SOCKET_WRITES(stack, owner) &&
  (urlHas(stack[owner], parts) || (urlHas(stack[owner], helper) && stack.slice(owner + 1, owner + 6).some((n) => urlHas(n, parts))))

const LOGGING = ownedVia(['/pino/', '/sonic-boom/', '/pino-std-serializers/', '@pinojs/', 'fastify/lib/log-controller'], ['safe-stable-stringify', 'quick-format-unescaped'])
/** @fastify/session's Session[hash]: safe-stable-stringify of the session, then sha256 over it. */
const SESSION_HASH: SampleTest = (stack, owner) => !SOCKET_WRITES(stack, owner) && stack.some((n) => n.callFrame.url.includes('@fastify/session/lib/session.js')) &&
  (urlHas(stack[owner], ['safe-stable-stringify']) || stack.slice(0, owner + 1).some((n) => n.callFrame.url.includes('crypto') && ['update', 'digest', 'createHash', 'Hash'].includes(n.callFrame.functionName)))
const STORE = ownedBy('memcached-store/dist', '/memcache-client/', '/memcache-parser/')

/**
 * Cost centres, each a share of busy samples: a sample counts for the code
 * that asked for the work (the nearest frame outside Node's internals), so
 * a hook that synchronously calls the next hook is not charged for it.
 */
const COST_CENTRES: Record<string, Array<[string, SampleTest]>> = {
  'web-1': [
    ['logging: pino (no line per request by default; events only)', LOGGING],
    ['cookie HMACs (cached: one per cookie value a node has not seen)', ownedBy('@fastify/cookie/signer.js')],
    ['@fastify/session (not on this read-only route)', ownedVia(['@fastify/session/'], ['safe-stable-stringify'])],
    ['the web node\'s own code: read-only loader, route, hooks', ownedBy('services/web/dist')],
    ['the session store: memcached-store, memcache-client and its parser', STORE],
    ['Fastify itself: routing, hooks, reply', ownedBy('/fastify/lib/', '/fastify/fastify.js', '/find-my-way/', '/avvio/')],
    ['metrics: a prom-client histogram per request', ownedBy('/prom-client/')],
    ['writing to sockets (write/writev syscalls)', SOCKET_WRITES]
  ],
  'web-2': [
    ['logging: pino', LOGGING],
    ['cookie HMACs', ownedBy('@fastify/cookie/signer.js')],
    ['@fastify/session\'s Session object and its hashes', ownedVia(['@fastify/session/lib/'], ['safe-stable-stringify'])],
    ['  of which the stable stringify + sha256 of the session (on load, in isModified, after save)', SESSION_HASH],
    ['the session store: memcached-store, memcache-client and its parser', STORE],
    ['Fastify itself: routing, hooks, body parsing, reply', ownedBy('/fastify/lib/', '/fastify/fastify.js', '/find-my-way/', '/secure-json-parse/')],
    ['metrics: prom-client', ownedBy('/prom-client/')],
    ['writing to sockets (write/writev syscalls)', SOCKET_WRITES]
  ],
  'web-3': [
    ['logging: pino', LOGGING],
    ['@fastify/session (not on this read-only route)', ownedVia(['@fastify/session/'], ['safe-stable-stringify'])],
    ['the session store: memcached-store, memcache-client and its parser', STORE],
    ['  of which the store\'s JSON decode', (stack, owner) => !SOCKET_WRITES(stack, owner) && stack.slice(0, owner + 3).some((n) => ['decodeJson', 'decode'].includes(n.callFrame.functionName) && n.callFrame.url.includes('memcached-store'))],
    ['Fastify: routing, hooks, serializing the reply (JSON.stringify of the cart)', ownedBy('/fastify/lib/', '/fastify/fastify.js', '/find-my-way/')],
    ['garbage collector', leaf('(garbage collector)')],
    ['writing to sockets (write/writev syscalls)', SOCKET_WRITES]
  ],
  'lb-hello': [
    ['logging: pino (no line per request by default)', LOGGING],
    ['metrics: prom-client counter and histogram per request', ownedBy('/prom-client/')],
    ['our LB code (forwarder, attempts, response relay, balancer)', ownedBy('services/lb/dist', 'balancer/dist')],
    ['http-proxy', ownedBy('/http-proxy/')],
    ['writing to sockets (write/writev syscalls)', SOCKET_WRITES]
  ]
}

interface AbResult { label: string, a: string, b: string, rpsRatio: number, cpuA: number, cpuB: number }

export async function runProfiles (opts: { quick: boolean }, log: (line: string) => void): Promise<void> {
  const dir = join(OUT, new Date().toISOString().replace(/[:.]/g, '-'))
  const topology = new HttpTopology({
    nodeArgs: (name) => (PROFILED as readonly string[]).includes(name) ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, name)}`, '--cpu-prof-interval=250'] : []
  })
  const durationS = opts.quick ? 2 : 5
  const rounds = 3
  const ab: AbResult[] = []
  let editor: SessionEditor | undefined
  try {
    await topology.start(log)
    const web = topology.web as [Endpoint, Endpoint, Endpoint]
    // What a line per request costs: copies with the access log on against
    // the defaults (off). Both sides unprofiled: the profiler's own cost
    // would skew the A/B.
    const webInfo = await topology.startWeb('web-info', topology.memcachedAddresses, { ACCESS_LOG: 'on' })
    const webQuiet = await topology.startWeb('web-quiet', topology.memcachedAddresses)
    const lbInfoPort = await topology.startLb('lb-info', topology.hello, { LB_ACCESS_LOG: 'on' })
    const lbQuietPort = await topology.startLb('lb-quiet', topology.hello)
    await topology.processes.waitForHttp('web-info', `${webInfo.url}/healthz`)
    await topology.processes.waitForHttp('web-quiet', `${webQuiet.url}/healthz`)
    await topology.processes.waitForHttp('lb-info', `http://127.0.0.1:${lbInfoPort}/healthz`)
    await topology.processes.waitForHttp('lb-quiet', `http://127.0.0.1:${lbQuietPort}/healthz`)

    editor = new SessionEditor(topology.memcachedAddresses, topology.secret)
    // logins through web-solo only, so no profile holds an scrypt hash
    const loggedIn = await loginMany([topology.webSolo.url], 50, 4)
    const pool = [...loggedIn, ...await editor.clone(loggedIn, 950, () => [])]
    const writers = await editor.clone(loggedIn, 1000, () => [])
    const big = await editor.clone(loggedIn, 1000, () => cartOfSize(65_536 - 220))
    const readFile = join(topology.processes.dir, 'cookies-read.txt')
    const writeFile = join(topology.processes.dir, 'cookies-write.txt')
    const bigFile = join(topology.processes.dir, 'cookies-64k.txt')
    writeCookieFile(readFile, pool)
    writeCookieFile(writeFile, writers)
    writeCookieFile(bigFile, big)
    const ed = editor
    const spec = (url: string, extra: Partial<BenchCase['spec']> = {}): BenchCase['spec'] => ({ url, connections: 50, durationS, ...extra })
    const pairs: Array<[string, BenchCase, BenchCase]> = [
      ['web node GET /api/session', { id: 'a', label: 'web-info', tool: 'wrk', spec: spec(`${webInfo.url}/api/session`, { cookieFile: readFile }), cpuOf: ['web-info'] },
        { id: 'b', label: 'web-quiet', tool: 'wrk', spec: spec(`${webQuiet.url}/api/session`, { cookieFile: readFile }), cpuOf: ['web-quiet'] }],
      ['our LB GET /hello', { id: 'a', label: 'lb-info', tool: 'wrk', spec: spec(`http://127.0.0.1:${lbInfoPort}/hello`), cpuOf: ['lb-info'] },
        { id: 'b', label: 'lb-quiet', tool: 'wrk', spec: spec(`http://127.0.0.1:${lbQuietPort}/hello`), cpuOf: ['lb-quiet'] }]
    ]
    const profiledCases: BenchCase[] = [
      { id: 'r', label: 'web-1', tool: 'wrk', spec: spec(`${web[0].url}/api/session`, { cookieFile: readFile }), cpuOf: ['web-1'] },
      { id: 'h', label: 'lb-hello', tool: 'wrk', spec: spec(`${topology.proxies.get('lb')?.hello ?? ''}/hello`), cpuOf: ['lb-hello'] },
      // 10 connections: at 50, 64 KB reads push latency toward the store's 1 s timeout
      { id: 'b', label: 'web-3', tool: 'wrk', spec: spec(`${web[2].url}/api/session`, { cookieFile: bigFile, connections: 10 }), cpuOf: ['web-3'] }
    ]
    const writeCase: BenchCase = { id: 'w', label: 'web-2', tool: 'wrk', spec: spec(`${web[1].url}/api/cart`, { cookieFile: writeFile, method: 'POST', body: CART_WRITE_BODY }), cpuOf: ['web-2'], before: async () => { await ed.setCarts(writers, () => []) } }
    const results = new Map<string, Array<{ rps: number, cpu: number }>>()
    log(`profile: ${rounds} rounds: logging A/B on unprofiled copies, then the profiled web-1, lb-hello and web-2`)
    const push = (key: string, rps: number, cpu: number): void => { results.set(key, [...(results.get(key) ?? []), { rps, cpu }]) }
    for (let round = 0; round < rounds; round++) {
      for (const [label, a, b] of pairs) {
        for (const c of [a, b]) {
          const run = await measureCase(topology, c)
          push(`${label}:${c.label}`, run.load.rps, run.serverCpuUs)
        }
      }
      for (const c of [...profiledCases, writeCase]) await measureCase(topology, c)
      log(`profile: round ${round + 1}/${rounds} done`)
    }
    const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN
    for (const [label, a, b] of pairs) {
      const ra = results.get(`${label}:${a.label}`) ?? []
      const rb = results.get(`${label}:${b.label}`) ?? []
      ab.push({ label, a: a.label, b: b.label, rpsRatio: med(rb.map((x) => x.rps)) / med(ra.map((x) => x.rps)), cpuA: med(ra.map((x) => x.cpu)), cpuB: med(rb.map((x) => x.cpu)) })
    }
  } finally {
    await editor?.close()
    await topology.stop()
  }
  const run: ProfileRun = { dir, quick: opts.quick, rounds, durationS, ab, machine: machineLines(), date: new Date().toISOString().slice(0, 10) }
  writeFileSync(join(dir, 'run.json'), JSON.stringify(run, null, 1))
  writeProfilesMarkdown(run)
}

interface ProfileRun { dir: string, quick: boolean, rounds: number, durationS: number, ab: AbResult[], machine: string[], date: string }

/** PROFILES.md from a profile run's directory: its .cpuprofile files and run.json. */
function writeProfilesMarkdown (run: ProfileRun): void {
  const { dir, rounds, durationS, ab } = run
  // Each profiled process wrote its .cpuprofile when it exited.
  const parts: string[] = [
    '# Where the time goes: CPU profiles',
    '',
    `Written by \`npm run bench -- profile${run.quick ? ' --quick' : ''}\` on ${run.date}. Profiles (\`node --cpu-prof\`, 250 µs sampling) are in \`${dir.slice(ROOT_DIR.length)}\`; open them in Chrome DevTools or speedscope.`,
    '',
    ...run.machine,
    '',
    `Each profiled process got one kind of request only: web-1 \`GET /api/session\` (2 replicas, ~200 B sessions, 1,000 of them), web-2 \`POST /api/cart\`, web-3 \`GET /api/session\` on 64 KB sessions (10 connections), lb-hello \`GET /hello\` over three bare Fastify servers; ${rounds} runs of ${durationS} s, 50 connections unless stated. Shares are of the process's busy samples with start-up left out. A sample counts for the code that asked for the work: the nearest frame that is not Node's internals or native code, so a hook is not charged for the hooks it calls next. Socket writes (the write/writev syscalls) are their own row and left out of the others. Indented rows are part of the row above.`,
    '',
    '## A line per request, on and off (A/B between two unprofiled copies, same run, interleaved)',
    '',
    '| what | access log on (ACCESS_LOG / LB_ACCESS_LOG) CPU µs/request | default (off) CPU µs/request | CPU saved | throughput, off vs on |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...ab.map((x) => `| ${x.label} | ${Math.round(x.cpuA)} | ${Math.round(x.cpuB)} | ${Math.round((1 - x.cpuB / x.cpuA) * 100)}% | ${x.rpsRatio.toFixed(2)}× |`),
    ''
  ]
  for (const name of PROFILED) {
    const files = (() => { try { return readdirSync(join(dir, name)).filter((f) => f.endsWith('.cpuprofile')) } catch { return [] } })()
    const file = files[0]
    if (file === undefined) {
      parts.push(`## ${name}`, '', 'no profile was written (the process did not exit normally)', '')
      continue
    }
    const profile = readProfile(join(dir, name, file))
    parts.push(`## ${name}`, '', '| cost centre | share of busy time |', '| --- | ---: |')
    for (const [label, test] of COST_CENTRES[name] ?? []) parts.push(`| ${label} | ${(sampleShare(profile, test) * 100).toFixed(1)}% |`)
    parts.push('', '```', formatSummary(`${name}: top frames`, summarizeProfile(profile, 15)).replace(/^### /, ''), '```', '')
  }
  mkdirSync(dir, { recursive: true })
  writeFileSync(PROFILES_MD, parts.join('\n'))
  writeFileSync(join(dir, 'PROFILES.md'), parts.join('\n'))
}

// `node bench/dist/src/profile-run.js` works as well as `npm run bench -- profile`;
// `... profile-run.js --from bench/out/profiles/<run>` rewrites PROFILES.md
// from a finished run (after a change to the cost centres, say).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { from, quick } = parseBenchArgs(process.argv.slice(2), { from: { type: 'string' }, quick: { type: 'boolean' } },
    'usage: node bench/dist/src/profile-run.js [--quick] [--from bench/out/profiles/<run>]', ({ values, positionals }) => {
      noPositionals(positionals)
      return { from: values.from, quick: values.quick ?? false }
    })
  if (from !== undefined) {
    writeProfilesMarkdown(JSON.parse(readFileSync(join(from, 'run.json'), 'utf8')) as ProfileRun)
    process.exit(0)
  }
  runProfiles({ quick }, (l) => console.log(`[profile] ${l}`)).catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
}
