import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached } from './memcached-process.js'
import { stats, waitFor } from './memcached-stats.js'
import { session, settledStoreFor, storeFor } from './fixtures.js'

test('the memcached TTL follows the cookie maxAge (the idle timeout)', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  await store.setSession('short', session({ n: 1 }, 1000))
  await store.setSession('long', session({ n: 1 }, 60_000))
  assert.ok(await store.getSession('short'))
  // memcached expires on whole seconds, and the store adds one for that: gone within about 3 s
  await waitFor('short session expired', async () => await store.getSession('short') === null, 5000)
  assert.ok(await store.getSession('long'))
})

test('activity extends the TTL with touch, not with a write', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = await settledStoreFor(t, servers, { touchAfterMs: 200 })
  await store.setSession('s', session({ n: 1 }, 2000))
  const setsBefore = (await stats(servers[0]!.port)).get('cmd_set')
  // keep it busy for longer than its 2 s idle timeout
  const until = Date.now() + 3500
  while (Date.now() < until) {
    const s = await store.getSession('s')
    assert.ok(s, 'an active session must not expire')
    await store.setSession('s', s) // what @fastify/session's rolling save does: unchanged
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  assert.equal((await stats(servers[0]!.port)).get('cmd_set'), setsBefore, 'no full write')
  assert.ok(((await stats(servers[0]!.port)).get('cmd_touch') ?? 0) >= 3)
  assert.ok(store.counters().touches >= 6)
})

test('an absolute lifetime ends even an active session', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { idleTimeoutMs: 1000, absoluteTimeoutMs: 2500, touchAfterMs: 100 })
  await store.setSession('s', session({ n: 1 }, 1000))
  const started = Date.now()
  let alive = true
  while (alive && Date.now() - started < 6000) {
    alive = (await store.getSession('s')) !== null
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.equal(alive, false)
  assert.ok(Date.now() - started >= 2400, 'lived to its absolute lifetime, past two idle timeouts')
  // a late write does not bring it back
  await store.setSession('s', session({ n: 2 }, 1000))
  assert.equal(await store.getSession('s'), null)
})
