// What the web node relies on a session store for beyond the frameworks'
// get/set/destroy (that part is the store package's contract,
// packages/memcached-store/test/helpers/store-contract.ts): the login limiter's
// counters, a user's session list and "log out everywhere", health and
// counters for /healthz and /metrics. Run against the real store on real
// memcached and against the fake (web-store-contract.test.ts), so the fake,
// which stands in only where a real store cannot produce a situation, cannot
// drift from the real thing.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { Session } from 'fastify'
import type { WebSessionStore } from '../../src/session-store.js'

export interface WebStoreSubject {
  /** names the store in test titles */
  readonly name: string
  /** a fresh, empty store for one test, torn down by the test context */
  readonly make: (t: TestContext) => Promise<WebSessionStore> | WebSessionStore
}

function save (store: WebSessionStore, id: string, data: Record<string, unknown>): Promise<void> {
  const session = { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000).toISOString(), path: '/' }, ...data } as unknown as Session
  return new Promise((resolve, reject) => { store.set(id, session, (err) => { if (err) reject(err); else resolve() }) })
}

function load (store: WebSessionStore, id: string): Promise<Session | null | undefined> {
  return new Promise((resolve, reject) => { store.get(id, (err, session) => { if (err) reject(err); else resolve(session) }) })
}

let seq = 0
const newId = (): string => `webcontract${process.pid}x${++seq}`

export function webStoreContract (subject: WebStoreSubject): void {
  const it = (name: string, fn: (store: WebSessionStore) => Promise<void>): void => {
    test(`[${subject.name}] ${name}`, async (t) => { await fn(await subject.make(t)) })
  }

  it('hit counts one counter up from 1; peek reads it without counting; counters are apart', async (store) => {
    assert.equal(await store.peek('login-fail:a'), 0, 'no counter yet')
    assert.equal(await store.hit('login-fail:a', 60_000), 1)
    assert.equal(await store.hit('login-fail:a', 60_000), 2)
    assert.equal(await store.hit('login-fail:b', 60_000), 1)
    assert.equal(await store.peek('login-fail:a'), 2)
    assert.equal(await store.peek('login-fail:a'), 2, 'peeking counts nothing')
    assert.equal(await store.hit('login-fail:a', 60_000), 3)
  })

  it('userSessions lists the live sessions of one user, with their data, and no one else\'s', async (store) => {
    const [first, second, bobs] = [newId(), newId(), newId()]
    await save(store, first, { user: 'alice', cart: ['tea'] })
    await save(store, second, { user: 'alice', cart: [] })
    await save(store, bobs, { user: 'bob' })
    const listed = await store.userSessions('alice')
    assert.deepEqual(listed.map((s) => s.id).sort(), [first, second].sort())
    const firstEntry = listed.find((s) => s.id === first)
    assert.deepEqual((firstEntry?.session as { cart?: unknown }).cart, ['tea'])
    await new Promise<void>((resolve, reject) => { store.destroy(second, (err) => { if (err) reject(err); else resolve() }) })
    assert.deepEqual((await store.userSessions('alice')).map((s) => s.id), [first], 'a destroyed session is not listed')
    assert.deepEqual(await store.userSessions('nobody'), [])
  })

  it('destroyUserSessions ends every session of one user, says how many, and leaves others alone', async (store) => {
    const [first, second, bobs] = [newId(), newId(), newId()]
    await save(store, first, { user: 'alice' })
    await save(store, second, { user: 'alice' })
    await save(store, bobs, { user: 'bob' })
    assert.equal(await store.destroyUserSessions('alice'), 2)
    assert.ok((await load(store, first)) == null)
    assert.ok((await load(store, second)) == null)
    assert.deepEqual(await store.userSessions('alice'), [])
    assert.equal((await load(store, bobs))?.user, 'bob')
    assert.equal(await store.destroyUserSessions('alice'), 0, 'none left')
  })

  it('peekSessions gives each distinct id live (with its data) or ended, and extends nothing', async (store) => {
    const [live, gone, never] = [newId(), newId(), newId()]
    await save(store, live, { user: 'alice', cart: ['tea'] })
    await save(store, gone, { user: 'alice' })
    await new Promise<void>((resolve, reject) => { store.destroy(gone, (err) => { if (err) reject(err); else resolve() }) })
    const peeks = await store.peekSessions([live, gone, never, live])
    assert.deepEqual([...peeks.keys()], [live, gone, never])
    const peek = peeks.get(live)
    assert.equal(peek?.state, 'live')
    assert.deepEqual(peek.state === 'live' ? [peek.data.user, peek.data.cart] : [], ['alice', ['tea']])
    assert.deepEqual(peeks.get(gone), { state: 'ended' })
    assert.deepEqual(peeks.get(never), { state: 'ended' })
  })

  it('health names each server and its state; counters are numbers', async (store) => {
    const health = store.health()
    assert.ok(health.length > 0)
    for (const server of health) {
      assert.equal(typeof server.id, 'string')
      assert.ok(['up', 'down', 'recovering'].includes(server.state), server.state)
    }
    for (const [name, value] of Object.entries(store.counters())) assert.ok(Number.isFinite(value), name)
  })
}
