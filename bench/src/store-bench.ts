// The store's micro-benchmark: get and set through @stickless/memcached-store
// with one replica and with two, against one bare memcache-client doing the
// same work (a get plus JSON.parse; a JSON.stringify plus set), side by side
// in one run. Also: what an unchanged session costs in memcached commands,
// and how long a refill of 10,000 sessions takes.
import { MemcacheClient } from 'memcache-client'
import { MemcachedStore, type RefillReport } from '@stickless/memcached-store'
import { measure, median, type RunStats } from './latency.js'
import { MemcachedServers } from './memcached-servers.js'
import { commandCounts } from '@stickless/test-support'

export interface StoreBenchOptions {
  /** Operations per measured run. */
  ops: number
  /** Runs per case; the median run is reported. */
  rounds: number
  /** Calls in flight at once. */
  concurrency: number
  /** Sessions for the refill measurement. */
  refillSessions: number
}

export const QUICK: StoreBenchOptions = { ops: 5_000, rounds: 3, concurrency: 16, refillSessions: 10_000 }
export const FULL: StoreBenchOptions = { ops: 20_000, rounds: 5, concurrency: 16, refillSessions: 10_000 }

export interface StoreBenchResult {
  options: StoreBenchOptions
  cases: Record<string, RunStats>
  unchanged: { getsPerRequest: number, setsPerRequest: number, touchesPerRequest: number }
  refill: { sessions: number, copied: number, refillMs: number, restartToUpMs: number }
}

function sessionData (i: number): Record<string, unknown> {
  // about 200 bytes, like the demo's signed-in session
  return {
    cookie: { originalMaxAge: 1_800_000, path: '/', httpOnly: true, sameSite: 'lax', secure: false, expires: null, domain: null },
    user: `user${i % 1000}`,
    createdAt: 1_764_000_000_000 + i,
    hops: [{ node: 'web-1', at: 1_764_000_000_000 }],
    cart: ['tea', 'scones']
  }
}

export async function runStoreBench (opts: StoreBenchOptions, log: (line: string) => void): Promise<StoreBenchResult> {
  const servers = new MemcachedServers()
  const closers: Array<() => unknown> = []
  try {
    await servers.start(2)
    const common = { touchAfterMs: 600_000, readRepairChance: 0.05, timeoutMs: 1000 }
    const one = new MemcachedStore({ servers: [servers.address(0)], ...common, keyPrefix: 'b1:' })
    const two = new MemcachedStore({ servers: [servers.address(0), servers.address(1)], ...common, keyPrefix: 'b2:' })
    const bare = new MemcacheClient({ server: servers.address(0), noDelay: true })
    closers.push(() => one.close(), () => two.close(), () => bare.shutdown())

    const sids = Array.from({ length: opts.ops }, (_, i) => `bench${i.toString(36).padStart(8, '0')}`)
    log(`store bench: seeding ${sids.length} sessions`)
    for (let i = 0; i < sids.length; i += 500) {
      await Promise.all(sids.slice(i, i + 500).map(async (sid, j) => {
        const data = sessionData(i + j)
        await Promise.all([one.setSession(sid, data), two.setSession(sid, data), bare.set(`bare:${sid}`, JSON.stringify(data), { lifetime: 3600 })])
      }))
    }

    const runs: Record<string, RunStats[]> = {}
    const record = (name: string, r: RunStats): void => { (runs[name] ??= []).push(r) }
    for (let round = 0; round < opts.rounds; round++) {
      // cases interleave so a noisy neighbour hurts every case alike
      record('bare get', await measure(opts.ops, opts.concurrency, async (i) => JSON.parse((await bare.get<string>(`bare:${sids[i]}`)).value)))
      record('store get, 1 replica', await measure(opts.ops, opts.concurrency, (i) => one.getSession(sids[i] as string)))
      record('store get, 2 replicas', await measure(opts.ops, opts.concurrency, (i) => two.getSession(sids[i] as string)))
      record('bare set', await measure(opts.ops, opts.concurrency, (i) => bare.set(`bare:${sids[i]}`, JSON.stringify({ ...sessionData(i), round }), { lifetime: 3600 })))
      // a set of a changed session needs this request's read first; reads are not timed here
      for (const [name, store] of [['store set, 1 replica', one], ['store set, 2 replicas', two]] as const) {
        const read = await Promise.all(sids.map((sid) => store.getSession(sid)))
        record(name, await measure(opts.ops, opts.concurrency, (i) => store.setSession(sids[i] as string, { ...read[i], round })))
      }
      log(`store bench: round ${round + 1}/${opts.rounds} done`)
    }
    const cases = Object.fromEntries(Object.entries(runs).map(([name, rs]) => [name, median(rs, (r) => r.opsPerSec)]))

    // An unchanged session: what @fastify/session's rolling save does on every
    // request. touchAfterMs 0 is the worst case: a touch is due on every read.
    const touchy = new MemcachedStore({ servers: [servers.address(0), servers.address(1)], ...common, touchAfterMs: 0, keyPrefix: 'b2:' })
    closers.push(() => touchy.close())
    const ports = servers.ports
    const before = await commandCounts(ports)
    const requests = 1000
    for (let i = 0; i < requests; i++) {
      const s = await touchy.getSession(sids[i] as string)
      await touchy.setSession(sids[i] as string, s as object)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
    const after = await commandCounts(ports)
    const unchanged = {
      getsPerRequest: (after.get - before.get) / requests,
      setsPerRequest: (after.set - before.set) / requests,
      touchesPerRequest: (after.touch - before.touch) / requests / 2
    }

    // Refill: restart server 1 empty and time the copy from server 2.
    const refillStore = new MemcachedStore({ servers: [servers.address(0), servers.address(1)], keyPrefix: 'rf:', probeIntervalMs: 100, retryIntervalMs: 500 })
    closers.push(() => refillStore.close())
    const refillIds = Array.from({ length: opts.refillSessions }, (_, i) => `refill${i}`)
    for (let i = 0; i < refillIds.length; i += 500) {
      await Promise.all(refillIds.slice(i, i + 500).map((sid, j) => refillStore.setSession(sid, sessionData(i + j))))
    }
    log(`store bench: restarting memcached-1 empty to time a refill of ${refillIds.length} sessions`)
    const refilled = new Promise<RefillReport>((resolve) => {
      const onRefill = (r: RefillReport): void => {
        if (r.target === servers.address(0)) { refillStore.off('refill', onRefill); resolve(r) }
      }
      refillStore.on('refill', onRefill)
    })
    const restartedAt = Date.now()
    await servers.restartEmpty(0)
    const report = await refilled
    const refill = { sessions: refillIds.length, copied: report.copied, refillMs: report.ms, restartToUpMs: Date.now() - restartedAt }
    return { options: opts, cases, unchanged, refill }
  } finally {
    for (const close of closers) await close()
    await servers.stop()
  }
}

function ratio (a: RunStats | undefined, b: RunStats | undefined): number {
  // time per op of a over time per op of b
  return a === undefined || b === undefined ? NaN : b.opsPerSec / a.opsPerSec
}

export function storeSection (r: StoreBenchResult): string {
  const rows = Object.entries(r.cases).map(([name, s]) =>
    `| ${name} | ${Math.round(s.opsPerSec).toLocaleString('en-US')} | ${(s.p50Us / 1000).toFixed(3)} | ${(s.p99Us / 1000).toFixed(3)} |`)
  const getRatio = ratio(r.cases['store get, 2 replicas'], r.cases['bare get'])
  const setRatio = ratio(r.cases['store set, 2 replicas'], r.cases['bare set'])
  const verdict = (x: number, goal: number): string => `${x.toFixed(2)}× (goal ≤ ${goal}×: ${x <= goal ? 'met' : 'missed'})`
  return [
    '## The session store against a bare memcache-client',
    '',
    `${r.options.ops.toLocaleString('en-US')} operations per run, ${r.options.concurrency} in flight, median of ${r.options.rounds} runs; ~200 B sessions; two local memcached servers.`,
    'The bare client does the same work as a naive store: `get` + `JSON.parse`, `JSON.stringify` + `set`, on one server.',
    '',
    '| case | ops/s | p50 ms | p99 ms |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
    '',
    '| goal | measured |',
    '| --- | --- |',
    `| two replicas' get time vs the bare client | ${verdict(getRatio, 1.3)} |`,
    `| two replicas' set time vs the bare client | ${verdict(setRatio, 2)} |`,
    `| an unchanged session (get + rolling save, a touch due on every read) costs no write and at most one touch per replica | per request: ${r.unchanged.getsPerRequest.toFixed(2)} gets, ${r.unchanged.setsPerRequest.toFixed(2)} sets, ${r.unchanged.touchesPerRequest.toFixed(2)} touches per replica (${r.unchanged.setsPerRequest === 0 && r.unchanged.touchesPerRequest <= 1 ? 'met' : 'missed'}) |`,
    `| refill of ${r.refill.sessions.toLocaleString('en-US')} sessions onto a server restarted empty | ${r.refill.copied.toLocaleString('en-US')} keys (sessions and user index) copied in ${r.refill.refillMs} ms; ${r.refill.restartToUpMs} ms from the restart to the server serving reads (goal ≤ 20 s: ${r.refill.restartToUpMs <= 20_000 ? 'met' : 'missed'}) |`,
    ''
  ].join('\n')
}
