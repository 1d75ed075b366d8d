// Failover timing under load: GET /api/session through our LB over the three
// web nodes while memcached-a is frozen (SIGSTOP). What the contract says:
// a frozen server holds no request longer than its `timeout`; once it is
// marked down, requests should not notice (p99 within 1.5× of normal).
import { setTimeout as sleep } from 'node:timers/promises'
import { probeHttp } from '@stickless/scripts/cluster'
import { runWrk, type LoadResult } from './load-tool.js'
import { SESSION_TIMEOUT_S, type HttpTopology } from './http-topology.js'

export interface FailoverOptions {
  cookieFile: string
  connections: number
  /** The frozen run: long enough that requests waiting out the timeout finish inside it. */
  durationS: number
  /** The normal and marked-down runs. */
  shortDurationS: number
  rounds: number
}

export interface FailoverResult {
  timeoutMs: number
  connections: number
  durationS: number
  shortDurationS: number
  normal: LoadResult[]
  /** The run that starts the moment memcached-a is frozen. */
  frozen: LoadResult
  /** Runs while it stays frozen, after every node has marked it down. */
  after: LoadResult[]
  /** From SIGSTOP until every web node's /healthz reports the server down; undefined if that never happened. */
  markedDownMs: number | undefined
}

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
  const normal: LoadResult[] = []
  for (let i = 0; i < opts.rounds; i++) normal.push(await runWrk(short))

  log(`failover: freezing memcached-a (${address}) under load`)
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
    const frozen = await runWrk(spec)
    // Never measure "after" before every node has given up on the server.
    const deadline = Date.now() + 10_000
    while (markedDownMs === undefined && Date.now() < deadline) await sleep(50)
    const after: LoadResult[] = []
    for (let i = 0; i < opts.rounds; i++) after.push(await runWrk(short))
    return { timeoutMs: SESSION_TIMEOUT_S * 1000, connections: opts.connections, durationS: opts.durationS, shortDurationS: opts.shortDurationS, normal, frozen, after, markedDownMs }
  } finally {
    watching = false
    await watcher
    topology.processes.signal('memcached-a', 'SIGCONT')
  }
}
