// GET /api/live: who may open it (refused over HTTP, never a 101 then a
// close), and what the node sends first.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cookieHeader, signIn } from './helpers/test-app.js'
import { pollUntil } from '@stickless/test-support'
import WebSocket from 'ws'
import { memcachedPerFile } from './helpers/real-store.js'
import { closeOf, listening, openLive, refusedUpgrade, type LiveMessage } from './helpers/live-client.js'

const memcached = memcachedPerFile()

test('an upgrade without a live session is refused with HTTP 401 (coded JSON), never a 101', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const port = await listening(app)
  const anonymous = await refusedUpgrade(port)
  assert.equal(anonymous.status, 401)
  assert.equal(JSON.parse(anonymous.body).code, 'STK_ERR_WEB_UNAUTHENTICATED')
  assert.equal(anonymous.headers['x-served-by'], 'web-1')

  const forged = await refusedUpgrade(port, { cookie: cookieHeader({ sid: 'not-a-session.signature' }) })
  assert.equal(forged.status, 401)

  const sid = await signIn(app)
  const out = await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(out.statusCode, 204)
  const ended = await refusedUpgrade(port, { cookie: cookieHeader({ sid }) })
  assert.equal(ended.status, 401, 'an ended session opens nothing')
})

test('an Origin of another site is refused with 403; this site\'s, the LB\'s forwarded host, or none is allowed', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const port = await listening(app)
  const cookie = cookieHeader({ sid: await signIn(app) })
  for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${port + 1}`, 'not a url']) {
    const refused = await refusedUpgrade(port, { cookie, origin })
    assert.equal(refused.status, 403, origin)
    assert.equal(JSON.parse(refused.body).code, 'STK_ERR_WEB_FOREIGN_ORIGIN')
  }
  const anonymousForeign = await refusedUpgrade(port, { origin: 'http://evil.example' })
  assert.equal(anonymousForeign.status, 403)

  const allowed: Array<Record<string, string>> = [{ cookie }, { cookie, origin: `http://127.0.0.1:${port}` }, { cookie, origin: 'https://shop.example:8080', 'x-forwarded-host': 'shop.example:8080' }]
  for (const headers of allowed) {
    const client = await openLive(port, headers)
    assert.equal((await client.next('hello')).type, 'hello', JSON.stringify(headers))
    assert.equal(client.upgradeHeaders['x-served-by'], 'web-1', 'the 101 says who served it')
    client.ws.close()
  }
  // the LB's forwarded host is the one the browser asked for: the node's own Host no longer counts
  const behindLb = await refusedUpgrade(port, { cookie, origin: `http://127.0.0.1:${port}`, 'x-forwarded-host': 'shop.example:8080' })
  assert.equal(behindLb.status, 403)
})

test('an upgrade of any other route is a 404, never a 101', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const port = await listening(app)
  const cookie = cookieHeader({ sid: await signIn(app) })
  for (const path of ['/', '/healthz', '/api/session', '/nowhere']) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { cookie } })
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('open', () => { ws.terminate(); reject(new Error(`${path}: upgraded`)) })
      ws.once('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode ?? 0) })
      ws.once('error', reject)
    })
    assert.equal(status, 404, path)
  }
})

test('a plain GET /api/live (no upgrade) is a coded 426', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const res = await app.inject({ url: '/api/live', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(res.statusCode, 426)
  assert.equal(res.json().code, 'STK_ERR_WEB_UPGRADE_REQUIRED')
})

test('on open: hello first, then the cart, the user\'s sessions and the cluster; ping gets pong, anything else an error', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: { NODE_NAME: 'web-2' } })
  const port = await listening(app)
  const sid = await signIn(app)
  await app.inject({ method: 'POST', url: '/api/cart', headers: { cookie: cookieHeader({ sid }), 'content-type': 'application/json' }, payload: '{"item":"tea"}' })
  const client = await openLive(port, { cookie: cookieHeader({ sid }) })
  await client.next('nodes')
  assert.deepEqual(client.messages[0], { type: 'hello', node: 'web-2', user: 'alice' })
  assert.deepEqual(client.messages.map((m) => m.type), ['hello', 'cart', 'sessions', 'nodes'])
  assert.deepEqual(client.messages[1], { type: 'cart', cart: ['tea'] })
  const sessions = client.messages[2]?.sessions as Array<Record<string, unknown>>
  assert.equal(sessions.length, 1)
  assert.equal(sessions[0]?.current, true)
  assert.equal(typeof sessions[0]?.handle, 'string')
  assert.ok(!JSON.stringify(client.messages).includes(sid.slice(0, sid.lastIndexOf('.'))), 'no session id is sent')

  const from = client.messages.length
  client.send('{"type":"ping"}')
  assert.deepEqual(await client.next('pong', from), { type: 'pong' })
  client.send('{"type":"shout"}')
  client.send('not json')
  client.send(Buffer.from([0, 1, 2]), { binary: true })
  client.send('{"type":"ping"}')
  const after = (type: string): LiveMessage[] => client.messages.slice(from).filter((m) => m.type === type)
  const errors = (): LiveMessage[] => after('error')
  await pollUntil(() => errors().length === 3 && after('pong').length === 2, { what: 'three errors and a second pong', timeoutMs: 10_000 })
  assert.deepEqual(errors()[0], { type: 'error', code: 'STK_ERR_WEB_LIVE_MESSAGE', message: 'The live channel takes one kind of message: {"type":"ping"}' })
  assert.equal(client.ws.readyState, client.ws.OPEN, 'the socket stays open')
  client.ws.close(1000)
  assert.equal((await closeOf(client)).code, 1000)
})
