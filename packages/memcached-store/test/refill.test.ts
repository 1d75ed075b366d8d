import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, rawCommand, rawGet, sessionKey, waitFor } from '@stickless/test-support'
import { ids, session, storeFor } from './helpers/fixtures.js'
import type { RefillReport } from '../src/index.js'

const SESSIONS = 10_000

test(`a server restarted empty is refilled from its peer (${SESSIONS} sessions), so losing the peer logs nobody out`, async (t) => {
  const [a, b] = await startMemcached(t, 2)
  const store = storeFor(t, [a!, b!], { retryIntervalMs: 200, probeIntervalMs: 100 })
  const sids = ids(SESSIONS)
  // written in parallel batches to keep the test short
  for (let i = 0; i < sids.length; i += 500) {
    await Promise.all(sids.slice(i, i + 500).map((sid) => store.setSession(sid, session({ user: `u${sid}`, cart: ['x'] }))))
  }
  const refilled = new Promise<RefillReport>((resolve) => store.once('refill', resolve))
  await a!.restart()
  assert.equal(await rawGet(a!.port, sessionKey(sids[0]!)), undefined, 'restarted empty')
  const report = await refilled
  t.diagnostic(`refill of ${report.copied} keys (${report.scanned} scanned) took ${report.ms} ms`)
  // sessions plus their users' index entries
  assert.ok(report.copied >= SESSIONS, `copied ${report.copied}`)
  await waitFor('server up', () => store.health()[0]?.state === 'up')
  await b!.kill()
  let missing = 0
  for (let i = 0; i < sids.length; i += 500) {
    const got = await Promise.all(sids.slice(i, i + 500).map((sid) => store.getSession(sid)))
    missing += got.filter((s, j) => s?.user !== `u${sids[i + j]}`).length
  }
  assert.equal(missing, 0)
})

test('a server frozen through a logout gets the tombstone on refill; the session stays dead', async (t) => {
  const [a, b] = await startMemcached(t, 2)
  t.after(() => { b!.signal('SIGCONT') })
  const store = storeFor(t, [a!, b!], { retryIntervalMs: 200, probeIntervalMs: 100 })
  await store.setSession('gone', session({ user: 'alice' }))
  await b!.freeze()
  await store.destroySession('gone') // b times out, is marked down
  await waitFor('b down', () => store.health()[1]?.state === 'down')
  b!.signal('SIGCONT')
  await waitFor('b refilled', () => store.health()[1]?.state === 'up')
  await a!.kill()
  assert.equal(await store.getSession('gone'), null)
})

test('a write made while a server was down reaches it with the refill, and a stale copy never wins', async (t) => {
  const [a, b] = await startMemcached(t, 2)
  t.after(() => { b!.signal('SIGCONT') })
  const store = storeFor(t, [a!, b!], { retryIntervalMs: 200, probeIntervalMs: 100 })
  await store.setSession('s', session({ cart: ['a'] }))
  const first = await store.getSession('s')
  await b!.freeze()
  await store.setSession('s', { ...first, cart: ['a', 'b'] })
  await waitFor('b down', () => store.health()[1]?.state === 'down')
  b!.signal('SIGCONT')
  await waitFor('b refilled', () => store.health()[1]?.state === 'up')
  await a!.kill()
  assert.deepEqual((await store.getSession('s'))?.cart, ['a', 'b'])
})

test('a server emptied without a restart this node could see (flush_all) is refilled too', async (t) => {
  const [a, b] = await startMemcached(t, 2)
  const store = storeFor(t, [a!, b!], { retryIntervalMs: 200, probeIntervalMs: 100 })
  const sids = ids(200, 'flush')
  await Promise.all(sids.map((sid) => store.setSession(sid, session({ user: sid }))))
  // the first probes put the filled marker on both servers
  await waitFor('marker on a', async () => await rawGet(a!.port, 'stk:m:filled') === 'ok')
  await store.settled()
  const refilled = new Promise<RefillReport>((resolve) => store.once('refill', resolve))
  assert.equal(await rawCommand(a!.port, 'flush_all\r\n'), 'OK')
  const report = await refilled
  assert.equal(report.target, a!.address)
  assert.ok(report.copied >= sids.length)
  await b!.kill()
  const back = await Promise.all(sids.map((sid) => store.getSession(sid)))
  assert.equal(back.filter((s, i) => s?.user !== sids[i]).length, 0)
})

test('of several nodes, one claims an emptied server and refills it; the others leave it be', async (t) => {
  const [a, b] = await startMemcached(t, 2)
  const nodes = [storeFor(t, [a!, b!], { probeIntervalMs: 100 }), storeFor(t, [a!, b!], { probeIntervalMs: 100 }), storeFor(t, [a!, b!], { probeIntervalMs: 100 })]
  await nodes[0]!.setSession('one', session({ user: 'x' }))
  await waitFor('marker on a', async () => await rawGet(a!.port, 'stk:m:filled') === 'ok')
  await Promise.all(nodes.map((n) => n.settled()))
  const before = nodes.map((n) => n.counters().refills)
  assert.equal(await rawCommand(a!.port, 'flush_all\r\n'), 'OK')
  await waitFor('refilled', async () => await rawGet(a!.port, 'stk:m:filled') === 'ok' && await rawGet(a!.port, sessionKey('one')) !== undefined)
  // the marker can land a moment before the refill is counted
  await Promise.all(nodes.map((n) => n.settled()))
  const extra = nodes.map((n, i) => n.counters().refills - before[i]!)
  assert.equal(extra.reduce((x, y) => x + y, 0), 1, `refills per node: ${extra.join(', ')}`)
})
