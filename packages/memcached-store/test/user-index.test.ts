import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached } from '@stickless/test-support'
import { session, storeFor } from './helpers/fixtures.js'

test('every session of a user is listed and can be destroyed at once ("log out everywhere")', async (t) => {
  const servers = await startMemcached(t, 2)
  const node1 = storeFor(t, servers)
  const node2 = storeFor(t, servers)
  await node1.setSession('phone', session({ user: 'alice' }))
  await node2.setSession('laptop', session({ user: 'alice' }))
  await node1.setSession('bobs', session({ user: 'bob' }))
  await node1.setSession('anon', session({ cart: [] }))
  assert.deepEqual((await node2.listUserSessions('alice')).sort(), ['laptop', 'phone'])
  await node1.destroySession('phone')
  assert.deepEqual(await node1.listUserSessions('alice'), ['laptop'])
  assert.equal(await node2.destroyUserSessions('alice'), 1)
  assert.equal(await node1.getSession('laptop'), null)
  assert.deepEqual(await node1.listUserSessions('alice'), [])
  assert.equal((await node1.getSession('bobs'))?.user, 'bob')
})

test('log out everywhere ends every one of many sessions of a user, and the next listing is empty', async (t) => {
  const servers = await startMemcached(t, 2)
  const node1 = storeFor(t, servers)
  const node2 = storeFor(t, servers)
  const ids = Array.from({ length: 12 }, (_, i) => `device-${i}`)
  for (const [i, id] of ids.entries()) await (i % 2 === 0 ? node1 : node2).setSession(id, session({ user: 'alice' }))
  assert.equal(await node2.destroyUserSessions('alice'), ids.length)
  for (const id of ids) {
    assert.equal(await node1.getSession(id), null, id)
    assert.equal(await node2.getSession(id), null, id)
  }
  assert.deepEqual(await node1.listUserSessions('alice'), [])
})

test('user ids with spaces or CR/LF are safe: they are hashed into valid keys', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  await store.setSession('s', session({ user: 'evil user\r\nflush_all' }))
  assert.deepEqual(await store.listUserSessions('evil user\r\nflush_all'), ['s'])
})

test('userSessions gives each live session\'s data, and touches none of them (listing keeps nobody signed in)', async (t) => {
  const servers = await startMemcached(t, 2)
  // A touch would be due on every read: any read that extends a lifetime would show in the counter.
  const store = storeFor(t, servers, { touchAfterMs: 1 })
  await store.setSession('phone', session({ user: 'alice', userAgent: 'Safari 18 on iOS' }))
  await store.setSession('laptop', session({ user: 'alice', userAgent: 'Firefox 133 on Linux' }))
  await store.setSession('gone', session({ user: 'alice' }))
  await store.destroySession('gone')
  const touchesBefore = store.counters().touches
  const listed = await store.userSessions('alice')
  assert.deepEqual(listed.map((s) => [s.id, s.session.userAgent]), [['phone', 'Safari 18 on iOS'], ['laptop', 'Firefox 133 on Linux']])
  assert.equal(listed.some((s) => '_rev' in s.session), false, 'no internal field in the data')
  // a touch is counted when its write is acknowledged, inside the call that makes it
  assert.equal(store.counters().touches, touchesBefore, 'no session was touched')
  assert.deepEqual(await store.listUserSessions('alice'), ['phone', 'laptop'])
})
