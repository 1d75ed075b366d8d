// The store contract: what express-session and @fastify/session rely on a
// session store for, as tests any store can be run against. It runs against
// the real store on real memcached (store-contract.test.ts) and against the
// in-memory fake the web service's tests use (services/web/test), so the fake
// cannot drift from the real thing. Each store is made on a test clock the
// contract moves by hand: expiry is judged on that clock, never by waiting.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { TestClock } from '@stickless/test-support'

type Callback = (err?: unknown, value?: unknown) => void

/** The callback API both frameworks call. */
export interface ContractStore {
  get (sessionId: string, callback?: Callback): void
  set (sessionId: string, session: object, callback?: Callback): void
  destroy (sessionId: string, callback?: Callback): void
  touch? (sessionId: string, session: object, callback?: Callback): void
  all? (callback?: Callback): void
  length? (callback?: Callback): void
  clear? (callback?: Callback): void
}

export interface ContractSubject {
  /** names the store in test titles */
  name: string
  /** a fresh, empty store for one test on the clock `now` (ms since the epoch), torn down by the test context */
  make: (t: TestContext, now: () => number) => Promise<ContractStore> | ContractStore
}

function call<T = unknown> (fn: (cb: Callback) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((err, value) => { if (err !== null && err !== undefined) reject(err instanceof Error ? err : new Error(JSON.stringify(err))); else resolve(value as T) })
  })
}

/** A session as a framework saves it at `now`: data and a cookie whose expiry is now + maxAge. */
function saved (data: Record<string, unknown>, maxAgeMs = 60_000, now = Date.now()): Record<string, unknown> {
  return { cookie: { originalMaxAge: maxAgeMs, expires: new Date(now + maxAgeMs).toISOString(), path: '/', httpOnly: true, secure: false, sameSite: 'lax' }, ...data }
}

let seq = 0
const newId = (): string => `contract${process.pid}x${Date.now().toString(36)}x${++seq}`

/** Registers the contract's tests for one store. */
export function storeContract (subject: ContractSubject): void {
  const it = (name: string, fn: (store: ContractStore, clock: TestClock) => Promise<void>): void => {
    test(`[${subject.name}] ${name}`, async (t) => {
      const clock = new TestClock()
      await fn(await subject.make(t, clock.now), clock)
    })
  }

  it('a miss is (null, nothing), not an error', async (store) => {
    const found = await call((cb) => { store.get(newId(), cb) })
    assert.ok(found === null || found === undefined)
  })

  it('set then get round-trips the data and the cookie, as JSON would', async (store) => {
    const id = newId()
    const at = new Date()
    await call((cb) => { store.set(id, saved({ user: 'alice', cart: ['a', 'b'], nested: { n: 1 }, at }), cb) })
    const s = await call<Record<string, unknown>>((cb) => { store.get(id, cb) })
    assert.equal(s.user, 'alice')
    assert.deepEqual(s.cart, ['a', 'b'])
    assert.deepEqual(s.nested, { n: 1 })
    assert.equal(new Date(s.at as string).getTime(), at.getTime())
    const cookie = s.cookie as Record<string, unknown>
    assert.equal(cookie.originalMaxAge, 60_000)
    assert.equal(cookie.path, '/')
    assert.equal(cookie.httpOnly, true)
  })

  it('the session a framework gets holds no internal field: only what was saved', async (store) => {
    const id = newId()
    await call((cb) => { store.set(id, saved({ user: 'alice' }), cb) })
    const s = await call<Record<string, unknown>>((cb) => { store.get(id, cb) })
    assert.deepEqual(Object.keys(s).sort(), ['cookie', 'user'])
    const copy: Record<string, unknown> = {}
    for (const key in s) copy[key] = s[key] // what @fastify/session and express-session copy
    assert.deepEqual(Object.keys(copy).sort(), ['cookie', 'user'])
    assert.doesNotMatch(JSON.stringify(s), /_rev/)
  })

  it('a later save wins over an earlier one; a read after it sees it', async (store) => {
    const id = newId()
    await call((cb) => { store.set(id, saved({ n: 1 }), cb) })
    const first = await call<Record<string, unknown>>((cb) => { store.get(id, cb) })
    await call((cb) => { store.set(id, { ...first, n: 2 }, cb) })
    const second = await call<Record<string, unknown>>((cb) => { store.get(id, cb) })
    assert.equal(second.n, 2)
    await call((cb) => { store.set(id, { ...second, n: 3, extra: true }, cb) })
    const third = await call<Record<string, unknown>>((cb) => { store.get(id, cb) })
    assert.equal(third.n, 3)
    assert.equal(third.extra, true)
  })

  it('destroy makes a miss; destroying an unknown id is no error', async (store) => {
    const id = newId()
    await call((cb) => { store.set(id, saved({ user: 'alice' }), cb) })
    await call((cb) => { store.destroy(id, cb) })
    const found = await call((cb) => { store.get(id, cb) })
    assert.ok(found === null || found === undefined)
    await call((cb) => { store.destroy(newId(), cb) })
  })

  it('a set after destroy of the same id works, or fails with a coded error: never dropped in silence', async (store) => {
    const id = newId()
    await call((cb) => { store.set(id, saved({ user: 'alice' }), cb) })
    await call((cb) => { store.destroy(id, cb) })
    let failure: unknown
    try {
      await call((cb) => { store.set(id, saved({ user: 'bob' }), cb) })
    } catch (err) {
      failure = err
    }
    const found = await call<Record<string, unknown> | null | undefined>((cb) => { store.get(id, cb) })
    if (failure === undefined) {
      assert.equal(found?.user, 'bob', 'the set said it worked, so it must be there')
    } else {
      assert.match(String((failure as { code?: unknown }).code), /^[A-Z][A-Z0-9_]+$/, 'a coded error')
      assert.ok(found === null || found === undefined)
    }
  })

  it('every callback is optional: calls without one neither throw nor crash the process', async (store) => {
    const id = newId()
    const crashes: unknown[] = []
    const onRejection = (reason: unknown): void => { crashes.push(reason) }
    process.on('unhandledRejection', onRejection)
    // each step ends with a call that has a callback, answered after the ones
    // before it (one connection, in order), so their failures had their turn
    const settled = async (): Promise<void> => {
      await call((cb) => { store.get(newId(), cb) })
      await new Promise((resolve) => setImmediate(resolve))
    }
    try {
      store.set(id, saved({ user: 'alice' }))
      await settled()
      store.get(id)
      store.touch?.(id, saved({ user: 'alice' }))
      store.destroy(id)
      await settled()
      store.set(id, saved({ user: 'again' })) // after destroy: may fail, must not crash
      store.all?.()
      store.length?.()
      if (store.length !== undefined) await call((cb) => { store.length!(cb) })
      await settled()
    } finally {
      process.off('unhandledRejection', onRejection)
    }
    assert.deepEqual(crashes, [])
  })

  it('a session whose cookie expiry has passed is a miss, also one saved already expired', async (store, clock) => {
    const id = newId()
    await call((cb) => { store.set(id, { cookie: { originalMaxAge: null, expires: new Date(clock.now() + 300).toISOString(), path: '/' }, user: 'alice' }, cb) })
    assert.ok(await call((cb) => { store.get(id, cb) }))
    clock.advance(299)
    assert.ok(await call((cb) => { store.get(id, cb) }), 'alive to its last millisecond')
    clock.advance(2)
    const found = await call((cb) => { store.get(id, cb) })
    assert.ok(found === null || found === undefined, 'expired')
    const past = newId()
    await call((cb) => { store.set(past, { cookie: { originalMaxAge: null, expires: new Date(clock.now() - 1000).toISOString(), path: '/' }, user: 'alice' }, cb) })
    const gone = await call((cb) => { store.get(past, cb) })
    assert.ok(gone === null || gone === undefined, 'saved already expired')
  })

  it('reads do not extend a session (rolling: false): a fixed expiry stays put', async (store, clock) => {
    const id = newId()
    const expires = new Date(clock.now() + 60_000)
    await call((cb) => { store.set(id, { cookie: { originalMaxAge: null, expires: expires.toISOString(), path: '/' }, user: 'alice' }, cb) })
    for (let i = 0; i < 3; i++) {
      const s = await call<Record<string, unknown>>((cb) => { store.get(id, cb) })
      assert.equal(new Date((s.cookie as { expires: string }).expires).getTime(), expires.getTime())
      clock.advance(20_000)
    }
    const after = await call((cb) => { store.get(id, cb) })
    assert.ok(after === null || after === undefined, 'ended at the fixed expiry, however often it was read')
  })

  it('saves of an unchanged session with a later expiry (rolling) keep an active session alive past its maxAge', async (store, clock) => {
    const id = newId()
    const maxAge = 600
    await call((cb) => { store.set(id, saved({ user: 'alice' }, maxAge, clock.now()), cb) })
    // 1.5 s of a request every 150 ms: two and a half maxAges
    for (let step = 0; step < 10; step++) {
      clock.advance(150)
      const s = await call<Record<string, unknown> | null>((cb) => { store.get(id, cb) })
      assert.ok(s, `still signed in after ${(step + 1) * 150} ms`)
      const cookie = s.cookie as Record<string, unknown>
      const next = { ...s, cookie: { ...cookie, originalExpires: cookie.expires, expires: new Date(clock.now() + maxAge).toISOString() } }
      await call((cb) => { if (store.touch !== undefined) store.touch(id, next, cb); else store.set(id, next, cb) })
    }
  })

  it('touch (when the store has it) leaves the data as it was', async (store) => {
    if (store.touch === undefined) return
    const id = newId()
    await call((cb) => { store.set(id, saved({ user: 'alice', n: 1 }), cb) })
    const s = await call<Record<string, unknown>>((cb) => { store.get(id, cb) })
    await call((cb) => { store.touch!(id, s, cb) })
    const after = await call<Record<string, unknown>>((cb) => { store.get(id, cb) })
    assert.equal(after.user, 'alice')
    assert.equal(after.n, 1)
  })

  it('all, length and clear (when the store has them) see the live sessions and remove them', async (store) => {
    if (store.all === undefined || store.length === undefined || store.clear === undefined) return
    const ids = [newId(), newId(), newId()]
    for (const id of ids) await call((cb) => { store.set(id, saved({ id }), cb) })
    await call((cb) => { store.destroy(ids[2]!, cb) })
    const all = await call<Record<string, { id: string }> | Array<{ id: string }>>((cb) => { store.all!(cb) })
    const listed = (Array.isArray(all) ? all : Object.values(all)).map((s) => s.id).sort()
    assert.deepEqual(listed, [ids[0], ids[1]].sort())
    assert.equal(await call((cb) => { store.length!(cb) }), 2)
    await call((cb) => { store.clear!(cb) })
    const left = await call<Record<string, unknown> | unknown[]>((cb) => { store.all!(cb) })
    assert.equal(await call((cb) => { store.length!(cb) }), 0, `left after clear: ${JSON.stringify(left)}`)
    const found = await call((cb) => { store.get(ids[0]!, cb) })
    assert.ok(found === null || found === undefined)
  })
}
