// One "web node" of the store-level partition test, in its own process: a
// partition cuts a process (a net_cls cgroup), so each node the test wants to
// cut needs one. It runs a MemcachedStore and answers the test over IPC with
// what @fastify/session would do for a cart write (get, change, set) or a read.
import { MemcachedStore } from '@stickless/memcached-store'

export type NodeRequest =
  | { id: number, op: 'add', sid: string, item: string }
  | { id: number, op: 'create', sid: string, user: string }
  | { id: number, op: 'cart', sid: string }
  | { id: number, op: 'health' }
  | { id: number, op: 'settled', timeoutMs: number }
  | { id: number, op: 'counters' }

export interface NodeReply {
  id: number
  ok: boolean
  /** add/create: the cart after the write; cart: the cart read, null when signed out */
  cart?: string[] | null
  value?: unknown
  error?: string
  ms: number
}

/** The session as @fastify/session hands it to the store. */
export async function addItem (store: MemcachedStore, sid: string, item: string): Promise<string[] | null> {
  const session = await store.getSession(sid)
  if (session === null) return null
  const cart = Array.isArray(session.cart) ? session.cart : []
  cart.push(item)
  session.cart = cart
  await store.setSession(sid, session)
  return cart
}

export async function readCart (store: MemcachedStore, sid: string): Promise<string[] | null> {
  const session = await store.getSession(sid)
  return session === null ? null : (Array.isArray(session.cart) ? session.cart : [])
}

async function answer (store: MemcachedStore, req: NodeRequest): Promise<Omit<NodeReply, 'id' | 'ms'>> {
  switch (req.op) {
    case 'add': return { ok: true, cart: await addItem(store, req.sid, req.item) }
    case 'create':
      await store.setSession(req.sid, { cookie: { originalMaxAge: 1_800_000 }, user: req.user, cart: [] })
      return { ok: true, cart: [] }
    case 'cart': return { ok: true, cart: await readCart(store, req.sid) }
    case 'health': return { ok: true, value: store.health() }
    case 'settled': return { ok: true, value: await store.settled(req.timeoutMs) }
    case 'counters': return { ok: true, value: store.counters() }
  }
}

// Runs only when forked with the servers to use; importing this file (for
// addItem, readCart and the types) starts nothing.
if (process.send !== undefined && process.env.PARTITION_NODE_SERVERS !== undefined) {
  const send = process.send.bind(process)
  const store = new MemcachedStore({ servers: process.env.PARTITION_NODE_SERVERS, readRepairChance: 0.05 })
  process.on('message', (req: NodeRequest) => {
    const started = performance.now()
    answer(store, req).then(
      (reply) => { send({ id: req.id, ms: performance.now() - started, ...reply }) },
      (err: Error & { code?: string }) => { send({ id: req.id, ok: false, error: `${err.code ?? err.name}: ${err.message}`, ms: performance.now() - started }) }
    )
  })
  process.on('disconnect', () => { void store.close().then(() => process.exit(0)) })
  send({ id: 0, ok: true, ms: 0 })
}
