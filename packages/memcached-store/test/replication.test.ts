import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, rawGet, sessionKey } from '@stickless/test-support'
import { ids, session, storeFor } from './fixtures.js'
import { replicasFor } from '../src/replica-set.js'

test('a session is written to both servers', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  await store.setSession('abc', session({ user: 'alice' }))
  for (const s of servers) assert.ok(await rawGet(s.port, sessionKey('abc')), `missing on ${s.address}`)
})

test('with three servers and R=2 each session is on exactly its two hashed replicas', async (t) => {
  const servers = await startMemcached(t, 3)
  const store = storeFor(t, servers, { replicas: 2 })
  for (const sid of ids(60)) {
    await store.setSession(sid, session({ n: sid }))
    const expected = replicasFor(store.options.servers, sessionKey(sid), 2).map((s) => s.port).sort()
    const holding: number[] = []
    for (const s of servers) if (await rawGet(s.port, sessionKey(sid)) !== undefined) holding.push(s.port)
    assert.deepEqual(holding.sort(), expected)
  }
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
