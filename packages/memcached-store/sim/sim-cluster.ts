// The simulated cluster: store nodes (the store's own MemcachedStore, one per
// web node) over the simulated network, the requests they serve as the web
// app makes them, and each request's record for the invariants.
import { MemcachedStore } from '../src/index.js'
import type { MemcachedStoreOptions } from '../src/options/options.js'
import type { RequestRecord } from './history.js'
import type { Prng } from './prng.js'
import { requestContext } from './request-context.js'
import type { Schedule } from './schedule.js'
import type { SimClock } from './sim-clock.js'
import { SimNetwork } from './sim-network.js'

const USERS = ['alice', 'bob', 'carol']
export const PROBE_INTERVAL_MS = 400

export const serverId = (i: number): string => `mc${i + 1}:11211`
export const sessionId = (i: number): string => `sim-session-${i}`

export function cartOf (session: Record<string, unknown>): string[] {
  const cart = session.cart
  return Array.isArray(cart) ? cart.map(String) : []
}

interface Node {
  readonly index: number
  store: MemcachedStore
}

export class SimCluster {
  readonly net: SimNetwork
  readonly history: RequestRecord[] = []
  /** the servers every node is on once no change is rolling */
  pool: string[]
  private serverCount: number
  private readonly nodes: Node[]
  /** requests in flight on each store: a store replaced by a restart closes once its last one ends */
  private readonly inflight = new Map<MemcachedStore, number>()
  private nextRequest = 1

  constructor (private readonly schedule: Schedule, private readonly clock: SimClock, private readonly prng: Prng, private readonly log: (line: string) => void) {
    this.net = new SimNetwork(clock, prng, schedule.latencyMs)
    this.serverCount = schedule.servers
    this.pool = Array.from({ length: this.serverCount }, (_, i) => serverId(i))
    for (const id of this.pool) this.net.addServer(id)
    this.nodes = Array.from({ length: schedule.nodes }, (_, i) => ({ index: i, store: this.makeStore(i, this.pool) }))
  }

  get nodeCount (): number {
    return this.nodes.length
  }

  /** A new server, started empty: its name. */
  addServer (): string {
    const id = serverId(this.serverCount++)
    this.net.addServer(id)
    return id
  }

  private makeStore (node: number, servers: readonly string[], previous?: readonly string[]): MemcachedStore {
    const options: MemcachedStoreOptions = {
      servers: [...servers],
      previousServers: previous === undefined ? undefined : [...previous],
      timeoutMs: this.schedule.timeoutMs,
      retryIntervalMs: this.schedule.retryIntervalMs,
      probeIntervalMs: PROBE_INTERVAL_MS,
      conflictRetries: 40,
      clock: () => this.clock.wallNow(),
      random: () => this.prng.next(),
      channel: (server) => this.net.channel(node, server.id, server.timeoutMs)
    }
    const store = new MemcachedStore(options)
    for (const event of ['serverDown', 'serverRecovering', 'serverUp', 'refill', 'rebalance']) {
      store.on(event, (payload: Record<string, unknown>) => {
        const what = event === 'serverDown' ? `${String(payload.server)} (${String(payload.reason)})` : event === 'refill' || event === 'rebalance' ? `copied ${String(payload.copied)}` : String(payload.server)
        this.log(`node-${node + 1} ${event} ${what}`)
      })
    }
    this.inflight.set(store, 0)
    return store
  }

  /** A node restarts on a server string (and the one before a change): new requests go to the new store. */
  restartNode (index: number, servers: readonly string[], previous?: readonly string[]): void {
    const node = this.nodes[index] as Node
    const old = node.store
    node.store = this.makeStore(index, servers, previous)
    this.log(`node-${index + 1} restarted on [${servers.join(' ')}]${previous === undefined ? '' : ` after [${previous.join(' ')}]`}`)
    if (this.inflight.get(old) === 0) void old.close()
  }

  async rebalance (index: number): Promise<void> {
    await (this.nodes[index] as Node).store.rebalance().catch((err: Error) => { this.log(`node-${index + 1} rebalance failed: ${err.message}`) })
  }

  /** Resolves once no node is refilling or has a server recovering (or after 30 s of simulated time). */
  async settled (): Promise<void> {
    for (const node of this.nodes) await node.store.settled(30_000)
  }

  /** One request, as the web app makes it, recorded in the history. */
  async request (kind: RequestRecord['kind'], session: number, node: number): Promise<void> {
    const id = this.nextRequest++
    const user = this.schedule.sessions[session]?.user ?? 0
    const rec: RequestRecord = { id, kind, session, user, node, start: this.clock.now, end: this.clock.now, ok: false, item: kind === 'add' ? `i${id}` : undefined }
    this.history.push(rec)
    await this.perform(rec)
  }

  private async perform (rec: RequestRecord): Promise<void> {
    const node = this.nodes[rec.node] as Node
    const store = node.store
    this.inflight.set(store, (this.inflight.get(store) ?? 0) + 1)
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
          // the web app's cart route: read the session, append, save what was read;
          // every other one says so first, as the web node does, so both kinds of read run
          if (rec.id % 2 === 0) store.expectWrite(sid)
          const s = await store.getSession(sid)
          rec.read = s === null ? null : cartOf(s)
          if (s === null) throw Object.assign(new Error('no session'), { code: 'NO_SESSION' })
          s.cart = [...cartOf(s), rec.item]
          await store.setSession(sid, s)
        } else if (rec.kind === 'logout') {
          await store.destroySession(sid)
        } else {
          rec.covers = this.history.filter((r) => r.kind === 'login' && r.ok && r.user === rec.user && r.end < rec.start).map((r) => r.session)
          await store.destroyUserSessions(user)
        }
      })
      rec.ok = true
    } catch (err) {
      rec.code = (err as { code?: string }).code ?? (err as Error).message
    } finally {
      rec.end = this.clock.now
      const left = (this.inflight.get(store) ?? 1) - 1
      this.inflight.set(store, left)
      if (left === 0 && node.store !== store) void store.close()
      const read = rec.read === undefined ? '' : rec.read === null ? ' read none' : ` read [${rec.read.join(' ')}]`
      this.log(`node-${rec.node + 1} #${rec.id} ${rec.kind} session ${rec.session}${rec.item === undefined ? '' : ` + ${rec.item}`}${read} -> ${rec.ok ? 'ok' : rec.code ?? 'failed'} after ${(rec.end - rec.start).toFixed(3)} ms`)
    }
  }

  async close (): Promise<void> {
    for (const [store] of this.inflight) await store.close()
  }
}
