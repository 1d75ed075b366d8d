import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, rawGet, sessionKey } from '@stickless/test-support'
import { ids, session, storeFor } from './helpers/fixtures.js'

test('a session is written to both servers', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  await store.setSession('abc', session({ user: 'alice' }))
  for (const s of servers) assert.ok(await rawGet(s.port, sessionKey('abc')), `missing on ${s.address}`)
})

test('with three servers and R=2 each session is on exactly two, every pair is used, and another node places it the same', async (t) => {
  const servers = await startMemcached(t, 3)
  const store = storeFor(t, servers, { replicas: 2 })
  // another web node, configured with the servers in another order
  const other = storeFor(t, [...servers].reverse(), { replicas: 2 })
  const pairs = new Set<string>()
  for (const sid of ids(60)) {
    await store.setSession(sid, session({ n: sid }))
    const holding: number[] = []
    for (const s of servers) if (await rawGet(s.port, sessionKey(sid)) !== undefined) holding.push(s.port)
    assert.equal(holding.length, 2, `${sid} is on ${holding.length} servers`)
    pairs.add(holding.join(','))
    // the other node's write of the same session lands on the same two servers
    await other.setSession(sid, session({ n: `${sid}-again` }))
    for (const s of servers) {
      const raw = await rawGet(s.port, sessionKey(sid))
      if (holding.includes(s.port)) assert.ok(raw?.includes(`${sid}-again`), `${sid}: the other node wrote its copy on ${s.port}`)
      else assert.equal(raw, undefined, `${sid}: the other node wrote nothing on ${s.port}`)
    }
  }
  assert.equal(pairs.size, 3, `the sessions spread over every pair of servers: ${[...pairs].join(' | ')}`)
})

test('writeConcern all fails with a coded error when a replica is down; available succeeds', async (t) => {
  const servers = await startMemcached(t, 2)
  const strict = storeFor(t, servers, { writeConcern: 'all' })
  const lenient = storeFor(t, servers)
  await servers[1]!.kill()
  await assert.rejects(strict.setSession('x', session({ a: 1 })), (err: Error & { code?: string }) =>
    err.code === 'STK_ERR_WRITE_CONCERN' || err.code === 'STK_ERR_STORE_UNAVAILABLE')
  await lenient.setSession('y', session({ a: 1 }))
  assert.equal((await lenient.getSession('y'))?.a, 1)
})
