import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp } from './helpers/test-app.js'
import { memcachedPerFile, storeActivity } from './helpers/real-store.js'

const memcached = memcachedPerFile()

test('GET /healthz: 200 {status:"ok",node,sessionServers}', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: { NODE_NAME: 'web-2' } })
  const res = await app.inject('/healthz')
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), {
    status: 'ok',
    node: 'web-2',
    sessionServers: memcached.servers.map((s) => ({ id: s.address, state: 'up' }))
  })
})

test('GET /healthz: 503 at once while draining, other routes keep serving', async (t) => {
  const { app, lifecycle } = buildTestApp(t, memcached)
  lifecycle.startDraining()
  const res = await app.inject('/healthz')
  assert.equal(res.statusCode, 503)
  assert.equal(res.json().status, 'draining')
  assert.equal(res.headers.connection, 'close')
  const login = await app.inject('/login')
  assert.equal(login.statusCode, 200)
})

test('/healthz and /metrics never touch the store or set cookies', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  await app.inject({ url: '/healthz', headers: { cookie: 'sid=whatever.sig' } })
  await app.inject({ url: '/metrics', headers: { cookie: 'sid=whatever.sig' } })
  assert.deepEqual(storeActivity(store), { reads: 0, saves: 0, destroys: 0 })
})
