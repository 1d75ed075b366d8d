// One simulated run: three store nodes (the store's own code, unchanged) over
// simulated memcached servers, the schedule's requests and faults in
// simulated time, then the invariants. The same schedule gives the same
// history, byte for byte.
import { SAFETY_RULES, type SafetyRule } from '../src/policy/safety-rules.js'
import { runFault, sleep } from './fault-runner.js'
import type { Violation } from './history.js'
import { checkReads, checkReplicas, checkWaits } from './invariants.js'
import { Prng } from './prng.js'
import type { Schedule } from './schedule.js'
import { PROBE_INTERVAL_MS, SimCluster } from './sim-cluster.js'
import { SimClock } from './sim-clock.js'

export interface RunResult {
  readonly violations: readonly Violation[]
  readonly trace: readonly string[]
  readonly events: number
  readonly requests: number
}

/** longest a run may take in simulated time before it counts as stuck */
const STUCK_AFTER_MS = 300_000
/** the logins' and the first requests' time before anything breaks */
const FIRST_FAULT_AFTER_MS = 500

export async function runSchedule (schedule: Schedule, broken: readonly SafetyRule[] = []): Promise<RunResult> {
  const prng = new Prng(schedule.seed)
  const clock = new SimClock(prng)
  const trace: string[] = []
  const log = (line: string): void => { trace.push(`${clock.now.toFixed(3).padStart(11)} ${line}`) }
  for (const rule of broken) SAFETY_RULES[rule] = false
  clock.install()
  try {
    return await simulate(schedule, clock, prng, log, trace)
  } finally {
    clock.uninstall()
    for (const rule of broken) SAFETY_RULES[rule] = true
  }
}

async function simulate (schedule: Schedule, clock: SimClock, prng: Prng, log: (line: string) => void, trace: string[]): Promise<RunResult> {
  const cluster = new SimCluster(schedule, clock, prng, log)
  // one fault at a time, as the guarantees assume: after each, and before the
  // final reads, every node comes back (the retry interval, probes, a refill)
  const recover = async (): Promise<void> => {
    await sleep(schedule.retryIntervalMs + 4 * PROBE_INTERVAL_MS)
    await cluster.settled()
  }
  let finished = false
  const work = (async () => {
    await Promise.all(schedule.sessions.map(async (s, i) => { await cluster.request('login', i, s.node) }))
    const requests = Promise.all(schedule.bursts.flatMap((b) => b.requests.map(async (r) => {
      await sleep(b.at + r.offsetMs)
      await cluster.request(r.kind, r.session, r.node)
    })))
    const faults = (async () => {
      await sleep(FIRST_FAULT_AFTER_MS)
      for (const fault of schedule.faults) {
        await sleep(fault.gapMs)
        await runFault(cluster, fault, schedule.timeoutMs, log)
        await recover()
      }
    })()
    await Promise.all([requests, faults])
    await recover()
    log('recovered: final reads')
    for (let node = 0; node < cluster.nodeCount; node++) {
      for (let s = 0; s < schedule.sessions.length; s++) await cluster.request('final-read', s, node)
    }
  })().finally(() => { finished = true })
  let failure: Error | undefined
  work.catch((err: unknown) => { failure = err instanceof Error ? err : new Error(String(err)) })
  const events = await clock.run(() => finished, STUCK_AFTER_MS)
  const violations: Violation[] = []
  if (!finished) violations.push({ rule: 'waited-too-long', detail: `the run was still going after ${STUCK_AFTER_MS} ms of simulated time` })
  if (failure !== undefined) throw failure
  violations.push(...checkReads(cluster.history), ...checkWaits(cluster.net.abandoned))
  if (finished) violations.push(...checkReplicas(cluster.history, cluster.pool, (server, key) => cluster.net.server(server).snapshot().get(key), schedule.sessions.length))
  await cluster.close()
  for (const v of violations) trace.push(`VIOLATION ${v.rule}: ${v.detail}`)
  return { violations, trace, events, requests: cluster.history.length }
}
