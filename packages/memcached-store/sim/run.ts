// One simulated run: three store nodes (the store's own code, unchanged) over
// simulated memcached servers, the schedule's requests and faults in
// simulated time, then the invariants. The same schedule gives the same
// history, byte for byte.
import { MemcachedStore } from '../src/index.js'
import type { MemcachedStoreOptions } from '../src/options.js'
import { KeySpace } from '../src/keys.js'
import { RecordCodec } from '../src/record-codec.js'
import { ValueCipher } from '../src/cipher.js'
import { resolveOptions } from '../src/options.js'
import { replicasFor } from '../src/replica-set.js'
import { SAFETY_RULES, type SafetyRule } from '../src/safety-rules.js'
import type { RequestRecord, Violation } from './history.js'
import { checkReads, checkWaits } from './invariants.js'
import { Prng } from './prng.js'
import type { Fault, Schedule } from './schedule.js'
import { SimClock } from './sim-clock.js'
import { requestContext } from './request-context.js'
import { SimNetwork } from './sim-network.js'

export interface RunResult {
  readonly violations: readonly Violation[]
  readonly trace: readonly string[]
  readonly events: number
  readonly requests: number
}

const USERS = ['alice', 'bob', 'carol']
const PROBE_INTERVAL_MS = 400
/** longest a run may take in simulated time before it counts as stuck */
const STUCK_AFTER_MS = 300_000

const serverId = (i: number): string => `mc${i + 1}:11211`
const sessionId = (i: number): string => `sim-session-${i}`

interface Node {
  readonly index: number
  store: MemcachedStore
}

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
  const net = new SimNetwork(clock, prng, schedule.latencyMs)
  let serverCount = schedule.servers
  for (let i = 0; i < serverCount; i++) net.addServer(serverId(i))
  let pool = Array.from({ length: serverCount }, (_, i) => serverId(i))
  const inflight = new Map<MemcachedStore, number>()
  const history: RequestRecord[] = []
  let nextRequest = 1

  const makeStore = (node: number, servers: readonly string[], previous?: readonly string[]): MemcachedStore => {
    const options: MemcachedStoreOptions = {
      servers: [...servers],
      previousServers: previous === undefined ? undefined : [...previous],
      timeoutMs: schedule.timeoutMs,
      retryIntervalMs: schedule.retryIntervalMs,
      probeIntervalMs: PROBE_INTERVAL_MS,
      conflictRetries: 40,
      clock: () => clock.wallNow(),
      random: () => prng.next(),
      channel: (server) => net.channel(node, server.id, server.timeoutMs)
    }
    const store = new MemcachedStore(options)
    for (const event of ['serverDown', 'serverRecovering', 'serverUp', 'refill', 'rebalance']) {
      store.on(event, (payload: Record<string, unknown>) => {
        const what = event === 'serverDown' ? `${String(payload.server)} (${String(payload.reason)})` : event === 'refill' || event === 'rebalance' ? `copied ${String(payload.copied)}` : String(payload.server)
        log(`node-${node + 1} ${event} ${what}`)
      })
    }
    inflight.set(store, 0)
    return store
  }
  const nodes: Node[] = Array.from({ length: schedule.nodes }, (_, i) => ({ index: i, store: makeStore(i, pool) }))

  const perform = async (rec: RequestRecord): Promise<void> => {
    const node = nodes[rec.node] as Node
    const store = node.store
    inflight.set(store, (inflight.get(store) ?? 0) + 1)
    const sid = sessionId(rec.session)
    const user = USERS[rec.user] as string
    try {
      await requestContext.run(rec.id, async () => {
        if (rec.kind === 'login') {
          await store.setSession(sid, { cookie: { originalMaxAge: 3_600_000, path: '/', httpOnly: true }, user, cart: [] })
        } else if (rec.kind === 'read' || rec.kind === 'final-read') {
          const s = await store.getSession(sid)
          rec.read = s === null ? null : cartOf(s)
        } else if (rec.kind === 'add') {
          const s = await store.getSession(sid)
          rec.read = s === null ? null : cartOf(s)
          if (s === null) throw Object.assign(new Error('no session'), { code: 'NO_SESSION' })
          s.cart = [...cartOf(s), rec.item]
          await store.setSession(sid, s)
        } else if (rec.kind === 'logout') {
          await store.destroySession(sid)
        } else {
          rec.covers = history.filter((r) => r.kind === 'login' && r.ok && r.user === rec.user && r.end < rec.start).map((r) => r.session)
          await store.destroyUserSessions(user)
        }
      })
      rec.ok = true
    } catch (err) {
      rec.code = (err as { code?: string }).code ?? (err as Error).message
    } finally {
      rec.end = clock.now
      const left = (inflight.get(store) ?? 1) - 1
      inflight.set(store, left)
      if (left === 0 && node.store !== store) void store.close()
      const read = rec.read === undefined ? '' : rec.read === null ? ' read none' : ` read [${rec.read.join(' ')}]`
      log(`node-${rec.node + 1} #${rec.id} ${rec.kind} session ${rec.session}${rec.item === undefined ? '' : ` + ${rec.item}`}${read} -> ${rec.ok ? 'ok' : rec.code ?? 'failed'} after ${(rec.end - rec.start).toFixed(3)} ms`)
    }
  }
  const request = (kind: RequestRecord['kind'], session: number, node: number): Promise<void> => {
    const id = nextRequest++
    const user = schedule.sessions[session]?.user ?? 0
    const rec: RequestRecord = { id, kind, session, user, node, start: clock.now, end: clock.now, ok: false, item: kind === 'add' ? `i${id}` : undefined }
    history.push(rec)
    return perform(rec)
  }
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms) })

  const restartNode = (node: Node, servers: readonly string[], previous?: readonly string[]): void => {
    const old = node.store
    node.store = makeStore(node.index, servers, previous)
    log(`node-${node.index + 1} restarted on [${servers.join(' ')}]${previous === undefined ? '' : ` after [${previous.join(' ')}]`}`)
    if (inflight.get(old) === 0) void old.close()
  }

  const runFault = async (fault: Fault): Promise<void> => {
    const name = 'server' in fault ? (pool[fault.server % pool.length] as string) : ''
    switch (fault.kind) {
      case 'restart':
        log(`fault: ${name} killed, back empty after ${fault.downMs} ms`)
        net.kill(name)
        await sleep(fault.downMs)
        net.start(name)
        log(`fault: ${name} started empty`)
        return
      case 'freeze':
        log(`fault: ${name} frozen for ${fault.forMs} ms`)
        net.freeze(name)
        await sleep(fault.forMs)
        net.thaw(name)
        log(`fault: ${name} thawed`)
        return
      case 'slow': {
        const latency = Math.round(schedule.timeoutMs * fault.latencyShare)
        log(`fault: ${name} answers in ${latency} ms for ${fault.forMs} ms`)
        net.slow(name, latency)
        await sleep(fault.forMs)
        net.slow(name, undefined)
        log(`fault: ${name} answers at its usual pace`)
        return
      }
      case 'drop':
        log(`fault: ${name} drops its replies for ${fault.forMs} ms`)
        net.drop(name, true)
        await sleep(fault.forMs)
        net.drop(name, false)
        log(`fault: ${name} connections reset, replies flow again`)
        return
      case 'cut':
        log(`fault: node-${fault.node + 1} cut from ${name} for ${fault.forMs} ms`)
        net.cut(fault.node, name, true)
        await sleep(fault.forMs)
        net.cut(fault.node, name, false)
        log(`fault: node-${fault.node + 1} reaches ${name} again`)
        return
      case 'grow':
      case 'shrink': {
        const before = pool
        let after: string[]
        if (fault.kind === 'grow') {
          const added = serverId(serverCount++)
          net.addServer(added)
          after = [...before, added]
        } else {
          if (before.length <= 2) return
          after = before.filter((id) => id !== name)
        }
        log(`fault: pool change [${before.join(' ')}] -> [${after.join(' ')}]`)
        for (const node of nodes) {
          restartNode(node, after, before)
          await sleep(fault.rollPauseMs)
        }
        const last = nodes[nodes.length - 1] as Node
        await last.store.rebalance().catch((err: Error) => { log(`node-${last.index + 1} rebalance failed: ${err.message}`) })
        for (const node of nodes) {
          restartNode(node, after)
          await sleep(fault.rollPauseMs)
        }
        pool = after
        if (fault.kind === 'shrink') {
          net.kill(name)
          log(`fault: ${name} stopped, out of the pool`)
        }
      }
    }
  }

  let finished = false
  const work = (async () => {
    await Promise.all(schedule.sessions.map(async (s, i) => { await request('login', i, s.node) }))
    const requests = Promise.all(schedule.bursts.flatMap((b) => b.requests.map(async (r) => {
      await sleep(b.at + r.offsetMs)
      await request(r.kind, r.session, r.node)
    })))
    const faults = (async () => {
      await sleep(500)
      for (const fault of schedule.faults) {
        await sleep(fault.gapMs)
        await runFault(fault)
        // one fault at a time: the next waits until every node has come back
        // (the retry interval, probes, a refill), as the guarantees assume
        await sleep(schedule.retryIntervalMs + 4 * PROBE_INTERVAL_MS)
        for (const node of nodes) await node.store.settled(30_000)
      }
    })()
    await Promise.all([requests, faults])
    await sleep(schedule.retryIntervalMs + 4 * PROBE_INTERVAL_MS)
    for (const node of nodes) await node.store.settled(30_000)
    log('recovered: final reads')
    for (const node of nodes) {
      for (let s = 0; s < schedule.sessions.length; s++) await request('final-read', s, node.index)
    }
  })().finally(() => { finished = true })
  let failure: Error | undefined
  work.catch((err: unknown) => { failure = err instanceof Error ? err : new Error(String(err)) })
  const events = await clock.run(() => finished, STUCK_AFTER_MS)
  const violations: Violation[] = []
  if (!finished) violations.push({ rule: 'waited-too-long', detail: `the run was still going after ${STUCK_AFTER_MS} ms of simulated time` })
  if (failure !== undefined) throw failure
  violations.push(...checkReads(history), ...checkWaits(net.abandoned))
  if (finished) violations.push(...checkReplicas(history, pool, net, schedule))
  for (const node of nodes) await node.store.close()
  for (const [store] of inflight) await store.close()
  for (const v of violations) trace.push(`VIOLATION ${v.rule}: ${v.detail}`)
  return { violations, trace, events, requests: history.length }
}

/**
 * Once recovered, every replica of a live session holds every acknowledged
 * item: read straight from the simulated servers, so losing any one server now
 * would lose nothing.
 */
function checkReplicas (history: readonly RequestRecord[], pool: readonly string[], net: SimNetwork, schedule: Schedule): Violation[] {
  const violations: Violation[] = []
  const keys = new KeySpace('stk:')
  const codec = new RecordCodec(new ValueCipher([]), 1024 * 1024)
  const servers = resolveOptions({ servers: [...pool] }).servers
  for (let s = 0; s < schedule.sessions.length; s++) {
    const touched = history.some((r) => r.session === s && (r.kind === 'logout' || r.kind === 'logout-everywhere' || (r.kind === 'login' && !r.ok)))
    const everywhere = history.some((r) => r.kind === 'logout-everywhere' && r.user === schedule.sessions[s]?.user)
    if (touched || everywhere) continue
    const key = keys.session(sessionId(s))
    const acked = history.filter((r) => r.session === s && r.kind === 'add' && r.ok).map((r) => r.item as string)
    for (const replica of replicasFor(servers, key, Math.min(2, servers.length))) {
      const raw = net.server(replica.id).snapshot().get(key)
      const cart = raw === undefined ? undefined : cartOf(codec.decode(key, raw)?.record.data ?? {})
      const missing = cart === undefined ? acked : acked.filter((item) => !cart.includes(item))
      if (cart === undefined || missing.length > 0) {
        violations.push({ rule: 'stale-replica', detail: `after recovery ${replica.id} holds ${cart === undefined ? 'no copy of' : `a copy without ${missing.join(' ')} of`} session ${s}` })
      }
    }
  }
  return violations
}

function cartOf (session: Record<string, unknown>): string[] {
  const cart = session.cart
  return Array.isArray(cart) ? cart.map(String) : []
}
