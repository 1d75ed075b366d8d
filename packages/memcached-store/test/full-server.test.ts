import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, rawCommand, rawGet, sessionKey } from '@stickless/test-support'
import { ids, portsInReadOrder, session, storeFor } from './helpers/fixtures.js'
import type { RefillReport } from '../src/index.js'

// `-M` makes memcached answer "SERVER_ERROR out of memory" instead of
// evicting, so a full server refuses items deterministically. Real servers do
// the same without -M when an item needs a slab class that has no page left.
const FULL_ARGS = ['-m', '2', '-I', '1m', '-M']

/**
 * Fills a server with items of `bytes` until it refuses one. memcached gives
 * every slab class its first page even past `-m`, so only a class that has
 * used its pages refuses: the filler must be the size of what is refused next.
 */
async function fill (port: number, bytes: number): Promise<void> {
  const block = 'x'.repeat(bytes)
  for (let i = 0; i < 5000; i++) {
    const reply = await rawCommand(port, `set filler${i} 0 0 ${block.length}\r\n${block}\r\n`)
    if (reply.startsWith('SERVER_ERROR out of memory')) return
    assert.equal(reply, 'STORED')
  }
  assert.fail('the server never filled up')
}

test('a server with no room for an item stays up, keeps no older copy, and the write lands on the peer', async (t) => {
  const [roomy, roomy2] = await startMemcached(t, 2)
  const [full] = await startMemcached(t, 1, FULL_ARGS)
  // Two replicas of three servers: with as many replicas as servers every
  // session would have the same order; here some have the full server first
  // and some second.
  const servers = [roomy!, roomy2!, full!]
  const store = storeFor(t, servers, { replicas: 2 })
  const sids = ids(200)
  const firstOnFull = sids.find((sid) => portsInReadOrder(store, sid)[0] === full!.port)!
  const secondOnFull = sids.find((sid) => portsInReadOrder(store, sid)[1] === full!.port)!
  for (const sid of [firstOnFull, secondOnFull]) await store.setSession(sid, session({ sid, version: 1 }))
  assert.notEqual(await rawGet(full!.port, sessionKey(firstOnFull)), undefined, 'v1 is on the full server')

  const big = 'b'.repeat(2000)
  await store.setSession('sample', session({ sid: firstOnFull, version: 2, big }))
  const [sampleHolder] = portsInReadOrder(store, 'sample')
  await fill(full!.port, (await rawGet(sampleHolder!, sessionKey('sample')))!.length)
  for (const sid of [firstOnFull, secondOnFull]) await store.setSession(sid, session({ sid, version: 2, big }))

  assert.ok(store.counters().refusedItems >= 2, `refusedItems ${store.counters().refusedItems}`)
  assert.deepEqual(store.health().map((h) => h.state), ['up', 'up', 'up'], 'a refusal is not a failure')
  for (const sid of [firstOnFull, secondOnFull]) {
    assert.equal(await rawGet(full!.port, sessionKey(sid)), undefined, `no older copy of ${sid} left on the full server`)
    assert.equal((await store.getSession(sid))?.version, 2, `${sid} reads the acknowledged write`)
  }
  // a node that never saw these writes reads them too
  const other = storeFor(t, servers, { replicas: 2 })
  for (const sid of [firstOnFull, secondOnFull]) assert.equal((await other.getSession(sid))?.version, 2)
})

test('a refill onto a server that fills up copies what fits, skips the rest and brings the server up', async (t) => {
  const [roomy] = await startMemcached(t, 1)
  const [full] = await startMemcached(t, 1, FULL_ARGS)
  const store = storeFor(t, [roomy!, full!], { retryIntervalMs: 200, probeIntervalMs: 100 })
  // about 3 MB per replica: more than the full server can hold
  const sids = ids(1500, 'r')
  const filler = 'f'.repeat(2000)
  await full!.kill()
  for (let i = 0; i < sids.length; i += 100) {
    await Promise.all(sids.slice(i, i + 100).map((sid) => store.setSession(sid, session({ sid, filler }))))
  }
  const refilled = new Promise<RefillReport>((resolve) => store.on('refill', (r: RefillReport) => { if (r.target === full!.address) resolve(r) }))
  await full!.start()
  const report = await refilled
  t.diagnostic(`refill: ${report.copied} copied, ${report.refused} refused of ${report.scanned}`)
  assert.ok(report.refused > 0 && report.copied > 0, 'some copies fitted and some did not')
  assert.equal(store.health()[1]?.state, 'up')
  let lost = 0
  for (let i = 0; i < sids.length; i += 100) {
    const got = await Promise.all(sids.slice(i, i + 100).map((sid) => store.getSession(sid)))
    lost += got.filter((s, j) => s?.sid !== sids[i + j]).length
  }
  assert.equal(lost, 0)
})
