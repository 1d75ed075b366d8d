// peekSessions: many sessions read at once, without extending or writing any,
// and an outage told apart from an end (a web node closes a session's live
// sockets on "ended" and must never do so because memcached was down).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { commandCounts, rawGet, startMemcached, waitFor } from '@stickless/test-support'
import { session, storeFor, storeWithEndings } from './helpers/fixtures.js'

test('peekSessions: live with data, ended when missing, destroyed, idle or past the absolute lifetime', async (t) => {
  const { store, clock } = await storeWithEndings(t)

  const first = await store.peekSessions(['live', 'short', 'gone', 'never', 'live'])
  assert.deepEqual([...first.keys()], ['live', 'short', 'gone', 'never'], 'one entry per distinct id')
  assert.deepEqual(first.get('live'), { state: 'live', data: { user: 'alice', cart: ['tea'] } })
  assert.equal(first.get('short')?.state, 'live')
  assert.deepEqual(first.get('gone'), { state: 'ended' }, 'a tombstone is an end')
  assert.deepEqual(first.get('never'), { state: 'ended' }, 'a missing session is an end')

  clock.advance(12_000) // past the short one's idle end and its margin
  const idle = await store.peekSessions(['live', 'short'])
  assert.equal(idle.get('live')?.state, 'live')
  assert.deepEqual(idle.get('short'), { state: 'ended' }, 'past its idle end')

  clock.advance(48_000) // 60 s after sign-in: the absolute lifetime, though the idle end is later
  assert.deepEqual((await store.peekSessions(['live'])).get('live'), { state: 'ended' }, 'past the absolute lifetime')
  assert.deepEqual(await store.peekSessions([]), new Map())
})

test('peekSessions writes and extends nothing', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { touchAfterMs: 1 })
  const ids = Array.from({ length: 20 }, (_, i) => `peek${i}`)
  for (const id of ids) await store.setSession(id, session({ user: 'alice', n: id }))
  const ports = servers.map((s) => s.port)
  // The servers started empty: the store's first probes claim and refill
  // them, ending with a `set` of the filled marker that must not land in the
  // window measured below.
  for (const port of ports) await waitFor(`filled marker on ${port}`, async () => await rawGet(port, 'stk:m:filled') === 'ok')
  await store.settled()
  const before = await commandCounts(ports)
  const countersBefore = store.counters()
  const peeks = await store.peekSessions(ids)
  assert.equal([...peeks.values()].filter((p) => p.state === 'live').length, 20)
  const after = await commandCounts(ports)
  assert.equal(after.set, before.set, 'no write')
  assert.equal(after.touch, before.touch, 'no touch')
  assert.equal(after.cas, before.cas, 'no cas')
  assert.ok(after.get - before.get >= 20, 'the sessions were read')
  assert.equal(store.counters().hits, countersBefore.hits, 'not a framework read')
})

test('peekSessions says unknown, not ended, when no replica answers', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  await store.setSession('s1', session({ user: 'alice' }))
  await store.setSession('s2', session({ user: 'bob' }))
  for (const server of servers) await server.kill()
  const peeks = await store.peekSessions(['s1', 's2'])
  assert.deepEqual(peeks.get('s1'), { state: 'unknown' })
  assert.deepEqual(peeks.get('s2'), { state: 'unknown' })
})
