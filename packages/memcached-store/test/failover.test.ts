import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, waitFor } from '@stickless/test-support'
import { healthOf, serversInReadOrder, session, stateOf, storeFor } from './helpers/fixtures.js'

test('a killed server is marked down and skipped; nobody is logged out', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { retryIntervalMs: 60_000 })
  const sids = Array.from({ length: 50 }, (_, i) => `k${i}`)
  for (const sid of sids) await store.setSession(sid, session({ n: sid }))
  // the server the reads ask first
  const [first] = serversInReadOrder(store, servers)
  await first!.kill()
  for (const sid of sids) assert.equal((await store.getSession(sid))?.n, sid)
  assert.equal(stateOf(store, first!), 'down')
  assert.ok(store.counters().serverDowns === 1)
  // writes keep working on the survivor
  await store.setSession('new', session({ n: 'new' }))
  assert.equal((await store.getSession('new'))?.n, 'new')
})

test('a down server is probed after retry_interval and rejoins after a refill', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { retryIntervalMs: 300 })
  await store.setSession('a', session({ n: 1 }))
  // the server the read asks first
  const [first] = serversInReadOrder(store, servers)
  await first!.kill()
  await store.getSession('a')
  await waitFor('marked down', () => stateOf(store, first!) === 'down')
  await first!.start()
  await waitFor('back up', () => stateOf(store, first!) === 'up')
  assert.ok(store.counters().refills >= 1)
})

test('a frozen server (SIGSTOP) holds no request longer than its timeout', async (t) => {
  const servers = await startMemcached(t, 2)
  t.after(() => { for (const s of servers) s.signal('SIGCONT') })
  const timeoutMs = 250
  const store = storeFor(t, servers, { timeoutMs, retryIntervalMs: 60_000, probeIntervalMs: 60_000 })
  const sids = Array.from({ length: 20 }, (_, i) => `f${i}`)
  for (const sid of sids) await store.setSession(sid, session({ n: sid }))
  const [first, second] = serversInReadOrder(store, servers)
  await first!.freeze()
  await second!.freeze()
  second!.signal('SIGCONT')
  for (const sid of sids) assert.equal((await store.getSession(sid))?.n, sid)
  await waitFor('the frozen server marked down at its own timeout', () => stateOf(store, first!) === 'down', 5_000)
  // What was waited, counted rather than timed (see one-wait.test.ts): each
  // command that failed on the frozen server timed out, and all but at most
  // one had been sent while it was already silent, so waited only the rest of
  // that one timeout. (None waited a full one of its own when the store's
  // background skip watch had a command in flight there at the freeze: the
  // reads then all inherit its silence.) Without the store's own timer
  // memcache-client would have held the first for 5 s and the store would
  // not have marked it down.
  const frozen = healthOf(store, first!)
  const { boundedWaits } = store.counters()
  assert.ok(frozen.failures >= 1 && frozen.failures - boundedWaits <= 1, 'at most one full timeout on the frozen server: ' + JSON.stringify({ counters: store.counters(), frozen }))
  assert.equal(stateOf(store, second!), 'up', 'the thawed server answered every read that reached it')
})

test('a read whose replica froze asks the next one and answers before the frozen one times out', async (t) => {
  const servers = await startMemcached(t, 2)
  t.after(() => { for (const s of servers) s.signal('SIGCONT') })
  // A long timeout, so "answered before it" has seconds of slack on a loaded machine.
  const timeoutMs = 4_000
  const store = storeFor(t, servers, { timeoutMs, readRepairChance: 0, retryIntervalMs: 60_000, probeIntervalMs: 60_000 })
  const sids = Array.from({ length: 20 }, (_, i) => `h${i}`)
  for (const sid of sids) await store.setSession(sid, session({ n: sid }))
  const [first] = serversInReadOrder(store, servers)
  const stateOfFirst = (): string | undefined => stateOf(store, first!)
  await first!.freeze()
  const read = await Promise.all(sids.map(async (sid) => (await store.getSession(sid))?.n))
  assert.deepEqual(read, sids, 'every session answered, from the other replica')
  assert.ok(store.counters().hedgedReads > 0, 'the reads placed first on the frozen server went on to the next one: ' + JSON.stringify({ counters: store.counters(), health: store.health() }))
  assert.equal(stateOfFirst(), 'up', 'answered before the frozen server\'s timeout marked it down')
  await waitFor('the frozen server marked down at its own timeout', () => stateOfFirst() === 'down', 10_000)
})

test('readHedgeFraction 0: a read waits for its replica\'s timeout before asking the next', async (t) => {
  const servers = await startMemcached(t, 2)
  t.after(() => { for (const s of servers) s.signal('SIGCONT') })
  const store = storeFor(t, servers, { timeoutMs: 300, readHedgeFraction: 0, readRepairChance: 0, retryIntervalMs: 60_000, probeIntervalMs: 60_000 })
  const sids = Array.from({ length: 20 }, (_, i) => `z${i}`)
  for (const sid of sids) await store.setSession(sid, session({ n: sid }))
  const [first] = serversInReadOrder(store, servers)
  await first!.freeze()
  const read = await Promise.all(sids.map(async (sid) => (await store.getSession(sid))?.n))
  assert.deepEqual(read, sids)
  assert.equal(store.counters().hedgedReads, 0)
  assert.equal(stateOf(store, first!), 'down', 'the reads that found it silent waited for its timeout')
})

test('with every server down the store fails fast with STK_ERR_STORE_UNAVAILABLE, then recovers', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { retryIntervalMs: 200 })
  await store.setSession('s', session({ n: 1 }))
  for (const s of servers) await s.kill()
  const isUnavailable = (err: Error & { code?: string, statusCode?: number }): boolean =>
    (err.code === 'STK_ERR_STORE_UNAVAILABLE' || err.code === 'STK_ERR_SERVER_FAILED') && err.statusCode === 503
  await assert.rejects(store.getSession('s'), isUnavailable)
  await assert.rejects(store.getSession('s'), (err: Error & { code?: string }) => err.code === 'STK_ERR_STORE_UNAVAILABLE')
  await assert.rejects(store.setSession('s', session({ n: 2 })), (err: Error & { code?: string }) => err.code === 'STK_ERR_STORE_UNAVAILABLE')
  await assert.rejects(store.destroySession('s'), (err: Error & { code?: string }) => err.code === 'STK_ERR_STORE_UNAVAILABLE')
  // the callback API reports the same error instead of throwing
  const cbErr = await new Promise<Error | null | undefined>((resolve) => { store.get('s', (err) => { resolve(err) }) })
  assert.equal((cbErr as Error & { code?: string }).code, 'STK_ERR_STORE_UNAVAILABLE')
  await servers[1]!.start()
  await waitFor('a server back', () => store.health().some((h) => h.state === 'up'))
  await store.setSession('s', session({ n: 3 }))
  assert.equal((await store.getSession('s'))?.n, 3)
})
