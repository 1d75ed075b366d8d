// getSessionReadOnly: a route that only reads a session gets it live or null
// as getSession would judge it, frozen and shared instead of copied, and no
// read of it (nor a change attempted on it) alters what the next reader gets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { commandCounts, startMemcached } from '@stickless/test-support'
import { session, settledStoreFor, storeFor, storeWithEndings } from './helpers/fixtures.js'

test('getSessionReadOnly: live with its data, null when missing, destroyed, idle or past the absolute lifetime; counted as getSession counts', async (t) => {
  const { store, clock } = await storeWithEndings(t)

  assert.deepEqual(await store.getSessionReadOnly('live'), { user: 'alice', cart: ['tea'] })
  assert.equal(await store.getSessionReadOnly('gone'), null, 'a tombstone')
  assert.equal(await store.getSessionReadOnly('never'), null, 'a missing session')
  assert.equal(await store.getSessionReadOnly('bad id\r\n'), null, 'an id that cannot be a key')
  assert.deepEqual({ hits: store.counters().hits, misses: store.counters().misses }, { hits: 1, misses: 3 })

  clock.advance(12_000) // past the short one's idle end and its margin
  assert.notEqual(await store.getSessionReadOnly('live'), null)
  assert.equal(await store.getSessionReadOnly('short'), null, 'past its idle end')
  clock.advance(48_000) // the absolute lifetime
  assert.equal(await store.getSessionReadOnly('live'), null, 'past the absolute lifetime')
})

test('getSessionReadOnly hands out one frozen object per stored value; a change throws and reaches no other reader', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  await store.setSession('s', session({ user: 'alice', cart: [{ sku: 'tea', qty: 1 }], at: new Date(Date.UTC(2030, 0, 1)) }))

  const first = await store.getSessionReadOnly('s')
  const second = await store.getSessionReadOnly('s')
  assert.ok(first !== null && second !== null)
  assert.equal(first, second, 'not copied: the same decoded object')
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.cart) && Object.isFrozen((first.cart as object[])[0]), 'frozen all the way down')
  assert.throws(() => { (first as Record<string, unknown>).user = 'mallory' }, TypeError)
  assert.throws(() => { ((first.cart as Array<{ qty: number }>)[0]!).qty = 99 }, TypeError)
  assert.throws(() => { (first.cart as unknown[]).push('more') }, TypeError)

  // a framework's get still gets a copy of its own, and can change and save it
  const own = await store.getSession('s')
  assert.ok(own !== null && !Object.isFrozen(own) && !Object.isFrozen(own.cart))
  assert.deepEqual(own.cart, [{ sku: 'tea', qty: 1 }])
  ;(own.cart as unknown[]).push({ sku: 'milk', qty: 2 })
  await store.setSession('s', own)
  const after = await store.getSessionReadOnly('s')
  assert.deepEqual(after?.cart, [{ sku: 'tea', qty: 1 }, { sku: 'milk', qty: 2 }], 'a new stored value: a new object')
  assert.deepEqual(first.cart, [{ sku: 'tea', qty: 1 }], 'what an earlier reader holds never changes under it')
})

test('getSessionReadOnly sends one get per read and writes nothing, however often a touch would be due', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = await settledStoreFor(t, servers, { touchAfterMs: 1 })
  await store.setSession('s', session({ user: 'alice' }))
  const ports = servers.map((s) => s.port)
  const before = await commandCounts(ports)
  for (let i = 0; i < 5; i++) assert.equal((await store.getSessionReadOnly('s'))?.user, 'alice')
  const after = await commandCounts(ports)
  assert.deepEqual({ get: after.get - before.get, set: after.set - before.set, touch: after.touch - before.touch, cas: after.cas - before.cas }, { get: 5, set: 0, touch: 0, cas: 0 })
})
