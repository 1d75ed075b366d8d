import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemcachedStore } from '../src/index.js'
import { startMemcached } from './memcached-process.js'

test('smoke', async (t) => {
  const [a, b] = await startMemcached(t, 2)
  const store = new MemcachedStore({ servers: `tcp://${a!.address}?timeout=0.3,tcp://${b!.address}` })
  t.after(() => store.close())
  await store.setSession('abc', { user: 'alice', cart: [], cookie: { originalMaxAge: 60000, path: '/' } })
  const s = await store.getSession('abc')
  console.log(s, store.counters())
  assert.equal(s?.user, 'alice')
  await store.setSession('abc', s!)
  console.log(store.counters())
})
