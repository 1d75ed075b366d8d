// `node bench/dist/src/frozen-bench.js [--quick]`: only the frozen-memcached
// part of the HTTP benchmark (failover-bench.ts), on its own small cluster:
// memcached-a and -b, web-1..3 (both servers, `timeout=1`) and our LB, all
// on free loopback ports and stopped by PID. Prints the failover figures and
// the goal line; RESULTS.md is not written (`npm run bench -- http` does
// that, with everything else). Needs memcached and wrk.
import { join } from 'node:path'
import { freePort, probeHttp } from '@stickless/scripts/cluster'
import { frozenGoal, runFailover } from './failover-bench.js'
import { HttpTopology } from './http-topology.js'
import { loginMany, SessionEditor, writeCookieFile } from './session-pool.js'
import type { LoadResult } from './load-tool.js'
import { noPositionals, parseBenchArgs } from './bench-args.js'
import { memcachedArgs } from '@stickless/test-support'

async function startCluster (topology: HttpTopology, log: (line: string) => void): Promise<void> {
  const p = topology.processes
  for (const name of ['memcached-a', 'memcached-b']) {
    const port = await freePort()
    // memcached's default 4 threads, as the figures in RESULTS.md were measured with
    p.start({ name, tier: 0, command: 'memcached', args: memcachedArgs(port, { memoryMb: 256, maxConnections: 4096, threads: 4 }) })
    topology.memcached.push({ name, url: `127.0.0.1:${port}` })
    await p.waitForMemcached(name, port)
  }
  for (let i = 1; i <= 3; i++) topology.web.push(await topology.startWeb(`web-${i}`, topology.memcachedAddresses))
  for (const w of topology.web) await p.waitForHttp(w.name, `${w.url}/healthz`)
  const lbPort = await topology.startLb('lb-web', topology.web)
  const lb = `http://127.0.0.1:${lbPort}`
  topology.proxies.set('lb', { hello: lb, web: lb })
  const seen = new Set<string>()
  await p.waitFor('lb-web', 'every web node behind the LB', async () => {
    const r = await probeHttp(`${lb}/healthz`, 500)
    if (r?.status === 200 && r.servedBy !== undefined) seen.add(r.servedBy)
    return seen.size === topology.web.length
  }, 30_000)
  log(`memcached-a/-b, web-1..3 and the LB are up (logs in ${p.dir}/logs)`)
}

const row = (name: string, runs: readonly LoadResult[]): string => {
  const max = Math.max(...runs.map((r) => r.maxMs))
  const p99 = runs.map((r) => r.p99Ms.toFixed(1)).join(' / ')
  const rps = runs.map((r) => Math.round(r.rps)).join(' / ')
  const errors = runs.reduce((s, r) => s + r.badStatus + r.socketErrors, 0)
  return `${name.padEnd(28)} runs ${runs.length}  req/s ${rps}  p99 ms ${p99}  max ms ${max.toFixed(0)}  errors ${errors}`
}

async function main (): Promise<void> {
  const quick = parseBenchArgs(process.argv.slice(2), { quick: { type: 'boolean' } }, 'usage: node bench/dist/src/frozen-bench.js [--quick]', ({ values, positionals }) => {
    noPositionals(positionals)
    return values.quick ?? false
  })
  const log = (line: string): void => { console.log(`[frozen ${new Date().toISOString().slice(11, 19)}] ${line}`) }
  const topology = new HttpTopology({ keepTempDir: process.env.BENCH_KEEP_TMP === '1' })
  try {
    await startCluster(topology, log)
    const editor = new SessionEditor(topology.memcachedAddresses, topology.secret)
    const logins = await loginMany(topology.web.map((w) => w.url), quick ? 20 : 50, 4)
    const readers = [...logins, ...await editor.clone(logins, 1000 - logins.length, () => [])]
    await editor.close()
    const cookieFile = join(topology.processes.dir, 'cookies-read.txt')
    writeCookieFile(cookieFile, readers)
    log(`${readers.length} signed-in sessions to read`)
    // the same durations as the HTTP suite's failover run: 3 s runs, 1 s when quick
    const f = await runFailover(topology, { cookieFile, connections: 50, durationS: quick ? 2 : 3, shortDurationS: quick ? 1 : 3, rounds: quick ? 3 : 5 }, log)
    console.log(row('normal reads', f.normal))
    console.log(row('normal cart writes', f.normalWrites))
    console.log(row('frozen: reads', [f.frozen]))
    console.log(row('frozen: cart writes', [f.frozenWrites]))
    console.log(row('frozen, marked down: reads', f.after))
    const goal = frozenGoal(f)
    console.log(`goal: ${goal.goal}\nmeasured: ${goal.measured}\nverdict: ${goal.met === true ? 'met' : 'MISSED'}`)
    console.log(`FROZEN_JSON ${JSON.stringify(f)}`)
    if (goal.met !== true) process.exitCode = 1
  } finally {
    await topology.stop()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
