import { test } from 'node:test'
import assert from 'node:assert/strict'
import { commandCounts, startMemcached } from '@stickless/test-support'
import { session, settledStoreFor } from './helpers/fixtures.js'

test('an unchanged session costs no write; a read is one get; a due touch is one touch per replica', async (t) => {
  const servers = await startMemcached(t, 2)
  const ports = servers.map((s) => s.port)
  const store = await settledStoreFor(t, servers, { touchAfterMs: 60_000 })
  await store.setSession('s', session({ user: 'alice', cart: ['a'], at: new Date() }))
  const before = await commandCounts(ports)
  for (let i = 0; i < 10; i++) {
    const s = await store.getSession('s')
    await store.setSession('s', s!) // unchanged: rolling @fastify/session calls set anyway
  }
  const after = await commandCounts(ports)
  assert.equal(after.set - before.set, 0, 'no write')
  assert.equal(after.get - before.get, 10, 'one get per read')
  assert.equal(after.touch - before.touch, 0, 'a read never touches')
  assert.equal(store.counters().skippedWrites, 10)
})

test('an unchanged rolling save writes once per extension interval, not per request', async (t) => {
  const servers = await startMemcached(t, 2)
  const ports = servers.map((s) => s.port)
  // maxAge 2 s: the extension interval is a tenth of it (200 ms), under touchAfterMs
  const store = await settledStoreFor(t, servers, { touchAfterMs: 60_000 })
  await store.setSession('s', session({ user: 'alice' }, 2000))
  const first = Date.parse(((await store.getSession('s'))!.cookie as { expires: string }).expires)
  const before = await commandCounts(ports)
  const countersBefore = store.counters()
  // 50 rolling saves, 20 ms apart by the clock the policy reads: the expiry
  // each save asks for (@fastify/session sets it to now + maxAge and hands
  // back the expiry the read reported as originalExpires). No waiting: the
  // requests are as far apart as their cookies say.
  for (let request = 1; request <= 50; request++) {
    const s = await store.getSession('s')
    const cookie = s!.cookie as { expires: string }
    await store.setSession('s', { ...s, cookie: { ...cookie, originalExpires: cookie.expires, expires: new Date(first + request * 20) } })
  }
  const after = await commandCounts(ports)
  const writes = store.counters().writes - countersBefore.writes
  // a write records the asked expiry plus 200 ms; a save is written once it asks past that: at 220, 440, 660 and 880 ms
  assert.equal(writes, 4, 'one write per 200 ms extension interval over 1 s of requests')
  assert.equal(store.counters().skippedWrites - countersBefore.skippedWrites, 46, 'every other save skipped')
  assert.equal(after.cas - before.cas, 2 * writes, 'each write is a cas on each replica, nothing more')
  assert.equal(after.touch - before.touch, 0, 'reads never touch')
})

test('a changed session is a gets on the other replica and one cas on each (no write replaces a revision it did not read)', async (t) => {
  const servers = await startMemcached(t, 2)
  const ports = servers.map((s) => s.port)
  const store = await settledStoreFor(t, servers)
  await store.setSession('s', session({ cart: [] }))
  const s = await store.getSession('s')
  const before = await commandCounts(ports)
  await store.setSession('s', { ...s, cart: ['x'] })
  const after = await commandCounts(ports)
  assert.equal(after.cas - before.cas, 2, 'a cas on each replica, on the copy read there')
  assert.equal(after.set - before.set, 2, 'no plain set')
  assert.equal(after.get - before.get, 1, "the read's cas token serves its replica; the other is read once")
})

test('a read told a write follows (expectWrite) reads both replicas at once, and its write reads nothing more', async (t) => {
  const servers = await startMemcached(t, 2)
  const ports = servers.map((s) => s.port)
  const store = await settledStoreFor(t, servers)
  await store.setSession('s', session({ cart: [] }))
  const start = await commandCounts(ports)
  store.expectWrite('s')
  const s = await store.getSession('s')
  const read = await commandCounts(ports)
  assert.equal(read.get - start.get, 2, 'one gets on each replica, sent together')
  await store.setSession('s', { ...s, cart: ['x'] })
  const written = await commandCounts(ports)
  assert.equal(written.get - read.get, 0, 'the write stores over the copies its read found')
  assert.equal(written.cas - read.cas, 2, 'a cas on each replica')
  assert.deepEqual((await store.getSession('s'))?.cart, ['x'])
  // the next read, not announced, is one gets again
  const plain = await commandCounts(ports)
  await store.getSession('s')
  assert.equal((await commandCounts(ports)).get - plain.get, 1, 'expectWrite covers one read')
})

test('a copy changed on either replica between a read for a write and the write is merged, not overwritten', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = await settledStoreFor(t, servers)
  for (const [i, server] of servers.entries()) {
    // a node that reaches this server alone (a partition) writes there alone
    const cut = await settledStoreFor(t, [server], { keyPrefix: store.options.keyPrefix, replicas: 1 })
    const id = `s${i}`
    await store.setSession(id, session({ cart: ['before'] }))
    store.expectWrite(id)
    const ours = await store.getSession(id)
    const theirs = await cut.getSession(id)
    await cut.setSession(id, { ...theirs, cart: ['before', 'theirs'] })
    await store.setSession(id, { ...ours, cart: ['before', 'ours'] })
    for (const reader of [store, cut]) {
      assert.deepEqual([...((await reader.getSession(id))?.cart as string[])].sort(), ['before', 'ours', 'theirs'], `changed on server ${i + 1}`)
    }
  }
})
