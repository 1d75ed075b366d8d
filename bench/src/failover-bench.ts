// Failover timing under load, through our LB over the three web nodes while
// memcached-a is frozen (SIGSTOP): GET /api/session (a read), and at the same
// time POST /api/cart (a read-modify-write: @fastify/session's get, then set
// of the same session). What the contract says: a frozen server holds no
// request longer than its `timeout`, a read, a write, or a request that does
// both; once it is marked down, requests should not notice (p99 within 1.5×
// of normal).
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { probeHttp } from '@stickless/scripts/cluster'
import { pollUntil } from '@stickless/test-support'
import { runWrk, type LoadResult } from './load-tool.js'
import { SESSION_TIMEOUT_S, type HttpTopology } from './http-topology.js'
import { loginMany, SessionEditor, writeCookieFile } from './session-pool.js'
import { medianOf } from './median.js'

export interface FailoverOptions {
  cookieFile: string
  connections: number
  /** The frozen run: long enough that requests waiting out the timeout finish inside it. */
  durationS: number
  /** The normal and marked-down runs. */
  shortDurationS: number
  rounds: number
  /** Connections of the cart writes (beside the reads' `connections`). Default 10. */
  writeConnections?: number
  /** Sessions the cart writes rotate over (made here: a few logins, cloned). Default 1000. */
  writeSessions?: number
}

export interface FailoverResult {
  timeoutMs: number
  connections: number
  writeConnections: number
  durationS: number
  shortDurationS: number
  normal: LoadResult[]
  /** Cart writes before the freeze, one run per round (no reads beside them). */
  normalWrites: LoadResult[]
  /** The reads of the run that starts the moment memcached-a is frozen. */
  frozen: LoadResult
  /** The cart writes of that same run, beside the reads. */
  frozenWrites: LoadResult
  /** Runs while it stays frozen, after every node has marked it down. */
  after: LoadResult[]
  /** From SIGSTOP until every web node's /healthz reports the server down; undefined if that never happened. */
  markedDownMs: number | undefined
}

/** The body of every cart write: short, so a run's writes barely grow the session. */
const CART_ITEM_BODY = '{"item":"bench item"}'

async function allReportDown (topology: HttpTopology, address: string): Promise<boolean> {
  const states = await Promise.all(topology.web.map(async (w) => {
    const r = await probeHttp(`${w.url}/healthz`, 500)
    if (r?.status !== 200) return undefined
    const body = JSON.parse(r.body) as { sessionServers?: Array<{ id: string, state: string }> }
    return body.sessionServers?.find((s) => s.id === address)?.state
  }))
  return states.every((s) => s === 'down')
}

export async function runFailover (topology: HttpTopology, opts: FailoverOptions, log: (line: string) => void): Promise<FailoverResult> {
  const lb = topology.proxies.get('lb')
  if (lb === undefined) throw new Error('no LB in the topology')
  const spec = { url: `${lb.web}/api/session`, connections: opts.connections, durationS: opts.durationS, cookieFile: opts.cookieFile }
  const short = { ...spec, durationS: opts.shortDurationS }
  const address = topology.memcachedAddresses[0] as string
  const writeConnections = opts.writeConnections ?? 10

  // Writers of their own, with empty carts: a cart holds 100 items, and the
  // runs add a few to each of a thousand sessions.
  const editor = new SessionEditor(topology.memcachedAddresses, topology.secret)
  try {
    const logins = await loginMany(topology.web.map((w) => w.url), 20, 4)
    const writers = await editor.clone(logins, opts.writeSessions ?? 1000, () => [])
    const writeFile = join(topology.processes.dir, 'cookies-failover-write.txt')
    writeCookieFile(writeFile, writers)
    const writes = { url: `${lb.web}/api/cart`, connections: writeConnections, durationS: opts.durationS, cookieFile: writeFile, method: 'POST' as const, body: CART_ITEM_BODY }
    const normal: LoadResult[] = []
    const normalWrites: LoadResult[] = []
    for (let i = 0; i < opts.rounds; i++) {
      normal.push(await runWrk(short))
      normalWrites.push(await runWrk({ ...writes, durationS: opts.shortDurationS }))
    }
    await editor.setCarts(writers, () => [])
    await editor.close() // before the freeze: its own store would probe the frozen server

    log(`failover: freezing memcached-a (${address}) under load (reads and cart writes)`)
    const frozenAt = Date.now()
    topology.processes.signal('memcached-a', 'SIGSTOP')
    let markedDownMs: number | undefined
    let watching = true
    const watcher = (async () => {
      while (watching && markedDownMs === undefined) {
        if (await allReportDown(topology, address)) markedDownMs = Date.now() - frozenAt
        else await sleep(20)
      }
    })()
    try {
      const [frozen, frozenWrites] = await Promise.all([runWrk(spec), runWrk(writes)])
      // Never measure "after" before every node has given up on the server.
      await pollUntil(() => markedDownMs !== undefined, { what: 'every node to give up on the frozen server', timeoutMs: 10_000, intervalMs: 50 }).catch(() => undefined)
      const after: LoadResult[] = []
      for (let i = 0; i < opts.rounds; i++) after.push(await runWrk(short))
      return {
        timeoutMs: SESSION_TIMEOUT_S * 1000,
        connections: opts.connections,
        writeConnections,
        durationS: opts.durationS,
        shortDurationS: opts.shortDurationS,
        normal,
        normalWrites,
        frozen,
        frozenWrites,
        after,
        markedDownMs
      }
    } finally {
      watching = false
      await watcher
      topology.processes.signal('memcached-a', 'SIGCONT')
    }
  } finally {
    await editor.close()
  }
}

const n0 = (x: number): string => Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–'

/**
 * The frozen-memcached goal, for reads and for cart writes: the longest
 * request of each kind while memcached-a froze, against the timeout. A read
 * passes over the silent replica, so its longest is under the timeout. A
 * write cannot: the first replica orders concurrent writers, so a write
 * placed first on the frozen server waits until that server has failed (at
 * its timeout, counted from when it fell silent, so a write after a read
 * that passed over it waits only the rest), then writes the other replica.
 * Its bound is the timeout plus a normal write's own time (the p99 of the
 * cart writes before the freeze).
 */
export function frozenGoal (f: FailoverResult): { goal: string, measured: string, met: boolean | undefined } {
  const readsMet = f.frozen.maxMs <= f.timeoutMs
  const writeP99 = Math.max(...f.normalWrites.map((x) => x.p99Ms))
  const writesMet = f.frozenWrites.maxMs <= f.timeoutMs + writeP99
  const errors = f.frozen.badStatus + f.frozen.socketErrors + f.frozenWrites.badStatus + f.frozenWrites.socketErrors
  return {
    goal: `a frozen memcached holds no request longer than its timeout (${f.timeoutMs} ms): reads, and cart writes (read-modify-write)`,
    measured: `longest read while memcached-a froze: ${n0(f.frozen.maxMs)} ms, ${readsMet ? 'under' : '**over**'} the timeout (a read passes over a replica that has been silent for half its timeout, the store's readHedgeFraction; normal read p99 ${n0(medianOf(f.normal.map((x) => x.p99Ms)))} ms); ` +
      `longest cart write: ${n0(f.frozenWrites.maxMs)} ms, ${writesMet ? 'within' : '**over**'} the timeout plus a normal write's p99 (${n0(writeP99)} ms at most before the freeze): a write waits on the frozen server only until it has been silent for its timeout, also after its read passed over it; ` +
      `the server was marked down on every node ${f.markedDownMs === undefined ? 'never' : `${n0(f.markedDownMs)} ms`} after SIGSTOP, at its own timeout; ${errors} error responses`,
    met: readsMet && writesMet && errors === 0
  }
}
