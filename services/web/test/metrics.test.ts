import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Signer } from '@fastify/cookie'
import { SECRET, apiLogin, buildTestApp, cookieHeader, signIn } from './helpers/test-app.js'
import { memcachedPerFile, memcachedPerTest, serversAre } from './helpers/real-store.js'
import { listening, openLive } from './helpers/live-client.js'
import { pollUntil } from '@stickless/test-support'

const memcached = memcachedPerFile()

/** The value of one sample of a Prometheus text exposition; fails when the sample is not there. */
function sample (body: string, name: string, labels: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))
  assert.ok(line, `${name}{${labels}} is exported`)
  return Number(line.slice(line.lastIndexOf(' ') + 1))
}

test('GET /metrics: Prometheus text with default, HTTP, login and store metrics', async (t) => {
  const { app, store } = buildTestApp(t, memcached, { defaultMetrics: true })
  await app.inject('/healthz')
  const sids = [await signIn(app), await signIn(app, 'bob', 'builder'), await signIn(app)]
  await apiLogin(app, 'alice', 'nope')
  await apiLogin(app, 'bob', 'nope')
  for (const sid of sids) await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
  await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid: new Signer([SECRET]).sign('no-such-session') }) } })
  await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: cookieHeader({ sid: sids[0] }) } })
  await app.inject('/no-such-page')
  await app.inject({ method: 'HEAD', url: '/healthz' })

  const res = await app.inject('/metrics')
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^text\/plain/)
  assert.ok(sample(res.body, 'process_cpu_user_seconds_total', 'node="web-1"') > 0, 'default metrics')
  assert.equal(sample(res.body, 'http_request_duration_seconds_count', 'node="web-1",method="GET",route="/healthz",status_code="200"'), 1)
  assert.equal(sample(res.body, 'http_request_duration_seconds_count', 'node="web-1",method="POST",route="/api/login",status_code="200"'), 3)
  assert.equal(sample(res.body, 'http_request_duration_seconds_count', 'node="web-1",method="POST",route="/api/login",status_code="401"'), 2)
  assert.equal(sample(res.body, 'http_request_duration_seconds_count', 'node="web-1",method="GET",route="not_found",status_code="404"'), 1)
  assert.equal(sample(res.body, 'http_request_duration_seconds_count', 'node="web-1",method="HEAD",route="/healthz",status_code="200"'), 1)
  assert.equal(sample(res.body, 'http_request_duration_seconds_count', 'node="web-1",method="GET",route="/api/session",status_code="200"'), 3)
  assert.equal(sample(res.body, 'stickless_login_attempts_total', 'outcome="success",node="web-1"'), 3)
  assert.equal(sample(res.body, 'stickless_login_attempts_total', 'outcome="wrong",node="web-1"'), 2)
  assert.equal(sample(res.body, 'stickless_draining', 'node="web-1"'), 0)

  // The store's own figures: three sessions read, one unknown id, one logout (which reads its session first).
  const event = (name: string): number => sample(res.body, 'stickless_session_store_events_total', `event="${name}",node="web-1"`)
  assert.equal(event('hits'), 4)
  assert.equal(event('misses'), 1)
  assert.equal(event('destroys'), 1)
  assert.ok(event('writes') >= 3, 'three sessions were written')
  assert.equal(event('writes'), store.counters().writes, 'as the store counts them')
  for (const server of memcached.servers) {
    assert.equal(sample(res.body, 'stickless_session_server_state', `server="${server.address}",state="up",node="web-1"`), 1)
    assert.equal(sample(res.body, 'stickless_session_server_state', `server="${server.address}",state="down",node="web-1"`), 0)
  }
})

test('GET /metrics reports a memcached server that stopped as down, the other as up', async (t) => {
  const own = await memcachedPerTest(t)
  const { app, store } = buildTestApp(t, own, { storeOptions: { retryIntervalMs: 60_000 } })
  const [stopped, running] = own.servers as [typeof own.servers[0], typeof own.servers[0]]
  await stopped.kill()
  // a session written to both replicas: the store learns of the dead one
  await signIn(app)
  await serversAre(store, ['down', 'up'])
  const res = await app.inject('/metrics')
  assert.equal(sample(res.body, 'stickless_session_server_state', `server="${stopped.address}",state="down",node="web-1"`), 1)
  assert.equal(sample(res.body, 'stickless_session_server_state', `server="${stopped.address}",state="up",node="web-1"`), 0)
  assert.equal(sample(res.body, 'stickless_session_server_state', `server="${running.address}",state="up",node="web-1"`), 1)
  assert.ok(sample(res.body, 'stickless_session_store_events_total', 'event="serverDowns",node="web-1"') >= 1)
})

test('GET /metrics counts the live sockets open on the node and their distinct sessions', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const port = await listening(app)
  const cookie = cookieHeader({ sid: await signIn(app) })
  const sockets = [await openLive(port, { cookie }), await openLive(port, { cookie })]
  await Promise.all(sockets.map(async (s) => await s.next('hello')))
  const open = await app.inject('/metrics')
  assert.equal(sample(open.body, 'stickless_live_sockets', 'node="web-1"'), 2)
  assert.equal(sample(open.body, 'stickless_live_sessions', 'node="web-1"'), 1)
  await Promise.all(sockets.map(async (s) => await s.close()))
  await pollUntil(async () => sample((await app.inject('/metrics')).body, 'stickless_live_sockets', 'node="web-1"') === 0, { what: 'the closed sockets leave the count', timeoutMs: 5_000 })
})
