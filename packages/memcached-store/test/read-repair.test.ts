import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, rawCommand, rawGet, sessionKey, waitFor } from '@stickless/test-support'
import { portsInReadOrder, session, storeFor } from './helpers/fixtures.js'

test('a read that misses on the first replica falls back to the next and repairs the first', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  await store.setSession('s1', session({ user: 'alice' }))
  const [primary] = portsInReadOrder(store, 's1')
  assert.equal(await rawCommand(primary!, `delete ${sessionKey('s1')}\r\n`), 'DELETED')
  assert.equal((await store.getSession('s1'))?.user, 'alice')
  // memcached holds the copy a moment before the store has read its STORED and counted it
  await waitFor('repair', async () => await rawGet(primary!, sessionKey('s1')) !== undefined && store.counters().readRepairs > 0)
  assert.equal(store.counters().readRepairs, 1)
  assert.equal(store.counters().hits, 1)
})

test('a later replica that lacks a session is found and repaired by the sampled check', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { readRepairChance: 1 })
  await store.setSession('s1', session({ user: 'alice' }))
  const [, secondary] = portsInReadOrder(store, 's1')
  assert.equal(await rawCommand(secondary!, `delete ${sessionKey('s1')}\r\n`), 'DELETED')
  assert.equal((await store.getSession('s1'))?.user, 'alice')
  // memcached holds the copy a moment before the store has read its STORED and counted it
  await waitFor('repair', async () => await rawGet(secondary!, sessionKey('s1')) !== undefined && store.counters().readRepairs > 0)
  assert.equal(store.counters().readRepairs, 1)
})

test('a replica holding an older version is repaired from the newer one', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { readRepairChance: 1 })
  await store.setSession('s2', session({ cart: ['a'] }))
  const old = await rawGet(servers[0]!.port, sessionKey('s2'))
  const first = await store.getSession('s2')
  await store.setSession('s2', { ...first, cart: ['a', 'b'] })
  // put the old version back on both servers in turn; every read answers the newest and repairs
  for (const s of servers) {
    const bytes = Buffer.byteLength(old!)
    assert.equal(await rawCommand(s.port, `set ${sessionKey('s2')} 0 60 ${bytes}\r\n${old}\r\n`), 'STORED')
    for (let i = 0; i < 3; i++) await store.getSession('s2')
    await waitFor('older copy repaired', async () => (await rawGet(s.port, sessionKey('s2'))) !== old)
  }
  assert.deepEqual((await store.getSession('s2'))?.cart, ['a', 'b'])
  await waitFor('both repairs counted', () => store.counters().readRepairs >= 2)
})
