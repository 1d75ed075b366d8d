import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, type MemcachedProcess, rawGet, sessionKey } from '@stickless/test-support'
import { healthOf, serversInReadOrder, session, storeFor } from './helpers/fixtures.js'

// "A frozen memcached server holds no request longer than its timeout: a
// read, a write, or a request that does both waits at most that long in
// total for it." These tests judge no wall-clock time; they count what the
// store did. `failures` of a server is how many of its commands failed (each
// timed out here, nothing else reaches a frozen server) and `boundedWaits`
// how many of those had been sent while the server was already silent, so
// waited only the rest of the timeout counted from that silence. Their
// difference is the number of full timeouts waited on the frozen server: one,
// or none when the store's background skip watch had a command in flight
// there at the freeze (every request then inherits that silence).

const QUIET = { readRepairChance: 0, retryIntervalMs: 60_000, probeIntervalMs: 60_000 }

test('read then write of one session while its first replica is frozen: one timeout in all on that server', async (t) => {
  const servers = await startMemcached(t, 2)
  t.after(() => { for (const s of servers) s.signal('SIGCONT') })
  // A long timeout: the write starts about half of it after the frozen
  // server fell silent, with seconds to spare before that silence ends it.
  const store = storeFor(t, servers, { ...QUIET, timeoutMs: 3_000 })
  // a: every session's first replica
  const [a, b] = serversInReadOrder(store, servers) as [MemcachedProcess, MemcachedProcess]
  const sid = 'rw'
  await store.setSession(sid, session({ cart: ['one'] }))
  await a.freeze()

  // POST /api/cart: @fastify/session's get, then its set of the same id
  const read = await store.getSession(sid)
  assert.deepEqual(read?.cart, ['one'])
  assert.equal(store.counters().hedgedReads, 1, 'the read passed over the silent replica and answered from the next')
  await store.setSession(sid, { ...read, cart: ['one', 'two'] })

  const frozen = healthOf(store, a)
  const { boundedWaits, writes } = store.counters()
  assert.equal(writes, 2)
  assert.ok(boundedWaits >= 1, 'the write found the server the read passed over still silent, and waited only the rest of that timeout: ' + JSON.stringify({ counters: store.counters(), frozen }))
  // at most one: none when the store's background skip watch had a command
  // in flight there at the freeze, and the read inherited its silence too
  assert.ok(frozen.failures - boundedWaits <= 1, 'at most one full timeout waited on the frozen server; the write did not start a second one')
  assert.equal(frozen.state, 'down', 'the write gave up on it: marked down, so it is refilled before it serves a read')
  assert.equal(healthOf(store, b).state, 'up')

  // another node (a fresh store) reads the acknowledged write
  const other = storeFor(t, servers, { ...QUIET, timeoutMs: 3_000 })
  assert.deepEqual((await other.getSession(sid))?.cart, ['one', 'two'])
  await other.close()

  // thawed, the server still holds the copy it had before the write; the
  // store that marked it down does not read it until it has been refilled
  for (const s of servers) s.signal('SIGCONT')
  assert.ok((await rawGet(a.port, sessionKey(sid)))?.includes('"one"'))
  assert.ok(!(await rawGet(a.port, sessionKey(sid)))?.includes('"two"'), 'the frozen server missed the write')
  assert.deepEqual((await store.getSession(sid))?.cart, ['one', 'two'])
})

/**
 * A write alone, with the frozen server first or second in the session's
 * placement: it waits one timeout on that server, then writes past it; the
 * server is marked down, and the write is readable from another node.
 */
for (const frozenIs of ['first', 'second'] as const) {
  test(`a write alone, the frozen server ${frozenIs} in placement: waits one timeout on it, then writes past it`, async (t) => {
    const servers = await startMemcached(t, 2)
    t.after(() => { for (const s of servers) s.signal('SIGCONT') })
    const store = storeFor(t, servers, { ...QUIET, timeoutMs: 1_000 })
    const [first, second] = serversInReadOrder(store, servers) as [MemcachedProcess, MemcachedProcess]
    const a = frozenIs === 'first' ? first : second
    const sid = frozenIs === 'first' ? 'wf' : 'ws'
    await store.setSession(sid, session({ cart: ['one'] }))
    await a.freeze()

    await store.setSession(sid, session({ cart: ['one', 'two'] }))
    const frozen = healthOf(store, a)
    const counters = store.counters()
    assert.equal(counters.writes, 2, 'acknowledged by the other replica')
    if (frozenIs === 'second') assert.equal(counters.replicaWriteFailures, 1, 'the frozen replica did not acknowledge the write')
    assert.ok(frozen.failures - counters.boundedWaits <= 1, 'at most one full timeout on the frozen server')
    assert.equal(frozen.state, 'down', 'marked down: it missed the write, so it is refilled before it serves a read')

    const other = storeFor(t, servers, { ...QUIET, timeoutMs: 1_000 })
    assert.deepEqual((await other.getSession(sid))?.cart, ['one', 'two'])
    await other.close()
    // (thawed, it may still take a `set` that waited in its socket: too late
    // to count as an acknowledgement, and it is refilled before it is read anyway)
    for (const s of servers) s.signal('SIGCONT')
    assert.deepEqual((await store.getSession(sid))?.cart, ['one', 'two'])
  })
}

test('requests that keep coming while a server is frozen: every command on it gives up when the first silence ends', async (t) => {
  const servers = await startMemcached(t, 2)
  t.after(() => { for (const s of servers) s.signal('SIGCONT') })
  const store = storeFor(t, servers, { ...QUIET, timeoutMs: 3_000 })
  const [a] = serversInReadOrder(store, servers) as [MemcachedProcess, MemcachedProcess]
  const sids = Array.from({ length: 6 }, (_, i) => `many${i}`)
  for (const sid of sids) await store.setSession(sid, session({ cart: ['one'] }))
  await a.freeze()
  // read-modify-write of each session, one request after another
  for (const sid of sids) {
    const s = await store.getSession(sid)
    await store.setSession(sid, { ...s, cart: ['one', 'two'] })
  }
  const frozen = healthOf(store, a)
  assert.equal(frozen.state, 'down')
  assert.ok(frozen.failures - store.counters().boundedWaits <= 1, 'at most a single full timeout on the frozen server for all of them: ' + JSON.stringify({ counters: store.counters(), frozen }))
  for (const sid of sids) assert.deepEqual((await store.getSession(sid))?.cart, ['one', 'two'])
})

test('a read placed on a server that another read already passed over passes over it at once', async (t) => {
  const servers = await startMemcached(t, 2)
  t.after(() => { for (const s of servers) s.signal('SIGCONT') })
  // A long timeout: the first read passes over after half of it, the second
  // at once, leaving the other half as slack before the server is marked down.
  const store = storeFor(t, servers, { ...QUIET, timeoutMs: 4_000 })
  const [a] = serversInReadOrder(store, servers) as [MemcachedProcess, MemcachedProcess]
  const first = 'h1'
  const second = 'h2'
  await store.setSession(first, session({ n: 1 }))
  await store.setSession(second, session({ n: 2 }))
  await a.freeze()
  assert.equal((await store.getSession(first))?.n, 1)
  assert.equal((await store.getSession(second))?.n, 2)
  assert.equal(store.counters().hedgedReads, 2)
  assert.equal(healthOf(store, a).state, 'up', 'both answered before the silence reached the timeout: the second read did not wait another half of it')
})
