// A fast loop for tuning one web node: memcached x2, one bare Fastify /hello
// server and one web node (2 replicas), then wrk over /hello, the node's
// /healthz and signed-in GET /api/session at 200 B and 4 KB, interleaved, with
// the node's CPU per request, and cart writes against a node with 2 replicas
// and one with 1. About a minute. Not part of `npm run bench`; the
// suite's figures come from http-bench.ts.
//
// `node bench/dist/src/node-quick.js [--seconds 3] [--rounds 3] [--profile] [--only 4 KB,healthz] [--before DIR]`
// Extra environment for the web node: NODE_QUICK_ENV='LOG_LEVEL=warn,...'
//
// `--before DIR` measures a change side by side with the code before it: DIR
// is another built checkout (e.g. `git worktree add /tmp/before HEAD~1` and
// `npm ci && npx tsc -b` there). Its web nodes run beside ours on the same
// memcached servers, every case runs against both in each round, and each
// line says what the change did to throughput and to CPU per request.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BenchProcesses } from './bench-processes.js'
import { runWrk } from './load-tool.js'
import { cpuSeconds } from './process-cpu.js'
import { cartOfSize, loginMany, SessionEditor, writeCookieFile } from './session-pool.js'
import { ROOT_DIR } from './http-topology.js'
import { CART_WRITE_BODY } from './http-bench.js'
import { randomBytes } from 'node:crypto'
import { checkoutFlag, LOAD_RUN_OPTIONS, WEB_MAIN_PATH, loadRunFlags, noPositionals, parseBenchArgs } from './bench-args.js'
import { freePort } from '@stickless/scripts/cluster'
import { memcachedArgs } from '@stickless/test-support'

const BEFORE = '(before)'

const USAGE = 'usage: node bench/dist/src/node-quick.js [--seconds N] [--rounds N] [--profile] [--only CASE,...] [--before DIR]'

/** Reads and writes (syscalls of the read and write families) a process has made: a socket write is the dearest thing a node does per command. */
function syscalls (pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8')
  const count = (field: string): number => Number(new RegExp(`^${field}: (\\d+)`, 'm').exec(io)?.[1] ?? 0)
  return count('syscr') + count('syscw')
}

function extraEnv (): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of (process.env.NODE_QUICK_ENV ?? '').split(',').filter((p) => p.includes('='))) {
    const eq = pair.indexOf('=')
    out[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return out
}

async function main (): Promise<void> {
  const { seconds, rounds, profile, only, before } = parseBenchArgs(process.argv.slice(2), { ...LOAD_RUN_OPTIONS, only: { type: 'string' }, before: { type: 'string' } }, USAGE, ({ values, positionals }) => {
    noPositionals(positionals)
    return { ...loadRunFlags(values, { seconds: 3, rounds: 3 }), only: values.only?.split(','), before: checkoutFlag('--before', values.before) }
  })
  const p = new BenchProcesses({})
  const dir = mkdtempSync(join(tmpdir(), 'node-quick-'))
  const secret = randomBytes(32).toString('hex')
  try {
    const mc: string[] = []
    for (const name of ['memcached-a', 'memcached-b']) {
      const port = await freePort()
      // memcached's default 4 threads, as the figures in RESULTS.md were measured with
      p.start({ name, tier: 0, command: 'memcached', args: memcachedArgs(port, { memoryMb: 512, threads: 4 }) })
      await p.waitForMemcached(name, port)
      mc.push(`127.0.0.1:${port}`)
    }
    const helloPort = await freePort()
    p.start({ name: 'hello', tier: 1, command: process.execPath, args: [`${ROOT_DIR}bench/dist/src/hello-server.js`], env: { PORT: String(helloPort) } })
    const startWeb = async (name: string, servers: readonly string[], root = ROOT_DIR): Promise<string> => {
      const port = await freePort()
      p.start({
        name,
        tier: 1,
        command: process.execPath,
        args: [...(profile ? ['--cpu-prof', '--cpu-prof-dir', join(dir, `prof-${name}`)] : []), join(root, WEB_MAIN_PATH)],
        env: {
          PORT: String(port),
          HOST: '127.0.0.1',
          NODE_NAME: name,
          SESSION_SERVERS: servers.map((a) => `tcp://${a}?timeout=1&retry_interval=15`).join(','),
          SESSION_SECRETS: secret,
          TRUSTED_PROXIES: '127.0.0.1',
          SHUTDOWN_DRAIN_MS: '0',
          ...extraEnv()
        }
      })
      const url = `http://127.0.0.1:${port}`
      await p.waitForHttp(name, `${url}/healthz`)
      return url
    }
    const web = await startWeb('web', mc)
    const webSolo = await startWeb('web-solo', mc.slice(0, 1))
    const webBefore = before === undefined ? undefined : await startWeb('web-before', mc, before)
    const webSoloBefore = before === undefined ? undefined : await startWeb('web-solo-before', mc.slice(0, 1), before)
    const hello = `http://127.0.0.1:${helloPort}`
    await p.waitForHttp('hello', `${hello}/healthz`)
    const logged = await loginMany([web], 20, 4)
    const editor = new SessionEditor(mc, secret)
    const small = await editor.clone(logged, 1000, () => ['bench item'])
    const big = await editor.clone(logged, 1000, () => cartOfSize(4096))
    const writers = await editor.clone(logged, 1000, () => [])
    writeCookieFile(join(dir, 'small.txt'), small)
    writeCookieFile(join(dir, 'big.txt'), big)
    writeCookieFile(join(dir, 'writers.txt'), writers)
    const emptyCarts = async (): Promise<void> => { await editor.setCarts(writers, () => []) }
    const body = CART_WRITE_BODY
    const cases = [
      { id: 'hello', url: `${hello}/hello`, pid: 'hello' },
      { id: 'healthz', url: `${web}/healthz`, pid: 'web' },
      { id: 'session 200 B', url: `${web}/api/session`, pid: 'web', cookies: join(dir, 'small.txt'), connections: 50 },
      { id: 'session 200 B 1 replica', url: `${webSolo}/api/session`, pid: 'web-solo', cookies: join(dir, 'small.txt'), connections: 50 },
      { id: 'session 4 KB', url: `${web}/api/session`, pid: 'web', cookies: join(dir, 'big.txt'), connections: 50 },
      { id: 'session 200 B c10', url: `${web}/api/session`, pid: 'web', cookies: join(dir, 'small.txt'), connections: 10 },
      { id: 'session 4 KB c10', url: `${web}/api/session`, pid: 'web', cookies: join(dir, 'big.txt'), connections: 10 },
      { id: 'write 1 replica', url: `${webSolo}/api/cart`, pid: 'web-solo', cookies: join(dir, 'writers.txt'), method: 'POST' as const, body, before: emptyCarts },
      { id: 'write 2 replicas', url: `${web}/api/cart`, pid: 'web', cookies: join(dir, 'writers.txt'), method: 'POST' as const, body, before: emptyCarts }
    ]
    const picked = cases.filter((c) => only === undefined || c.id === 'hello' || only.some((o) => c.id.includes(o)))
    // each case of a node, then the same case on the node of the code before
    const chosen = picked.flatMap((c) => webBefore === undefined || webSoloBefore === undefined || c.pid === 'hello'
      ? [c]
      : [c, { ...c, id: `${c.id} ${BEFORE}`, pid: `${c.pid}-before`, url: c.url.replace(c.pid === 'web' ? web : webSolo, c.pid === 'web' ? webBefore : webSoloBefore) }])
    const results = new Map<string, Array<{ rps: number, cpuUs: number, mcUs: number, syscalls: number, mcSyscalls: number, bad: number }>>()
    for (let r = 0; r < rounds; r++) {
      for (const c of chosen) {
        await c.before?.()
        const pid = p.pid(c.pid) as number
        const mcPids = ['memcached-a', 'memcached-b'].map((n) => p.pid(n) as number)
        const before = cpuSeconds([pid, ...mcPids])
        const ioBefore = syscalls(pid)
        const mcIoBefore = mcPids.reduce((n, m) => n + syscalls(m), 0)
        const load = await runWrk({ url: c.url, connections: c.connections ?? 50, durationS: seconds, cookieFile: c.cookies, method: c.method, body: c.body })
        const after = cpuSeconds([pid, ...mcPids])
        const ioAfter = syscalls(pid)
        const mcIoAfter = mcPids.reduce((n, m) => n + syscalls(m), 0)
        const cpu = (after.get(pid) ?? 0) - (before.get(pid) ?? 0)
        const mcCpu = mcPids.reduce((s, m) => s + (after.get(m) ?? 0) - (before.get(m) ?? 0), 0)
        const list = results.get(c.id) ?? []
        const per = (n: number): number => n / load.requests
        list.push({ rps: load.rps, cpuUs: per(cpu * 1e6), mcUs: per(mcCpu * 1e6), syscalls: per(ioAfter - ioBefore), mcSyscalls: per(mcIoAfter - mcIoBefore), bad: load.badStatus + load.socketErrors })
        results.set(c.id, list)
      }
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
    const rpsOf = (id: string): number => med((results.get(id) ?? []).map((x) => x.rps))
    const cpuOf = (id: string): number => med((results.get(id) ?? []).map((x) => x.cpuUs))
    for (const [id, list] of results) {
      const rps = rpsOf(id)
      // each ratio against the same build's peer: the before node's cases against the before node's
      const tag = id.endsWith(BEFORE) ? ` ${BEFORE}` : ''
      const vs = id.startsWith('write') ? `${(rps / rpsOf(`write 1 replica${tag}`)).toFixed(2)}x 1 replica` : id.includes('c10') ? `${(rps / rpsOf(`session 200 B c10${tag}`)).toFixed(2)}x 200B-c10` : id.includes('4 KB') ? `${(rps / rpsOf(`session 200 B${tag}`)).toFixed(2)}x 200B` : `${(rps / rpsOf('hello')).toFixed(2)}x hello`
      const change = results.has(`${id} ${BEFORE}`) ? `  vs before: ${(rps / rpsOf(`${id} ${BEFORE}`)).toFixed(2)}x req/s, ${(cpuOf(id) / cpuOf(`${id} ${BEFORE}`)).toFixed(2)}x CPU` : ''
      console.log(`${id.padEnd(28)} ${rps.toFixed(0).padStart(7)} req/s  ${cpuOf(id).toFixed(0).padStart(5)} µs/req  ${med(list.map((x) => x.syscalls)).toFixed(1).padStart(4)} syscalls/req  memcached ${med(list.map((x) => x.mcUs)).toFixed(0).padStart(4)} µs/req ${med(list.map((x) => x.mcSyscalls)).toFixed(1)} syscalls/req  ${vs}${change}  bad ${list.reduce((s, x) => s + x.bad, 0)}  runs ${list.map((x) => x.rps.toFixed(0)).join('/')}`)
    }
    if (profile) console.log(`profile in ${join(dir, 'prof')}`)
    if (chosen.some((c) => c.id.startsWith('write'))) {
      const lengths: number[] = []
      for (const w of writers.slice(0, 1000)) {
        const r = await fetch(`${web}/api/session`, { headers: { cookie: w.cookie } })
        const j = await r.json() as { cart?: unknown[] }
        lengths.push(j.cart?.length ?? -1)
      }
      lengths.sort((a, b) => a - b)
      console.log(`writer carts after the last write run: min ${lengths[0]}, median ${lengths[500]}, max ${lengths[999]}, full ${lengths.filter((x) => x >= 100).length}`)
    }
    for (const name of ['web', 'web-solo', ...(before === undefined ? [] : ['web-before', 'web-solo-before'])]) {
      // What went wrong, when something did: the node's warnings and errors.
      const problems = readFileSync(join(p.dir, 'logs', `${name}.log`), 'utf8').split('\n').filter((l) => /"level":(40|50|60)/.test(l))
      if (problems.length > 0) console.log(`${name}: ${problems.length} warnings/errors, the last: ${problems.slice(-3).join('\n')}`)
    }
    await editor.close()
  } finally {
    await p.stop()
    if (!profile) rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
