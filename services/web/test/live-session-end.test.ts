// Ending a session ends its live sockets everywhere, with 4001: at once on
// the node that ended it, at the next re-validation on every other node,
// and when it expires (idle or absolute); a store outage ends nothing. Two
// app instances on the same memcached servers and key prefix are two nodes.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildTestApp, cookieHeader, fetchLoginForm, formBody, sessionIdOf, signIn, type TestApp } from './helpers/test-app.js'
import { freshKeyPrefix, memcachedPerFile, memcachedPerTest, serversAre, type Memcached } from './helpers/real-store.js'
import { pollUntil } from '@stickless/test-support'
import { closeOf, listening, openLive } from './helpers/live-client.js'

const memcached = memcachedPerFile()
/** A tick far longer than any test: a close seen then came from the node that ended the session, not from a tick. */
const NO_TICK = { LIVE_CHECK_INTERVAL_MS: '60000' }
const FAST_TICK = { LIVE_CHECK_INTERVAL_MS: '100' }

function twoNodes (t: TestContext, servers: Memcached, env: NodeJS.ProcessEnv = {}): [TestApp, TestApp] {
  const keyPrefix = freshKeyPrefix()
  return [
    buildTestApp(t, servers, { env: { NODE_NAME: 'web-1', ...env }, storeOptions: { keyPrefix } }),
    buildTestApp(t, servers, { env: { NODE_NAME: 'web-2', ...env }, storeOptions: { keyPrefix } })
  ]
}

async function handleOfCurrent (app: TestApp['app'], sid: string): Promise<{ mine: string, others: string[] }> {
  const res = await app.inject({ url: '/api/sessions', headers: { cookie: cookieHeader({ sid }) } })
  const { sessions } = res.json<{ sessions: Array<{ handle: string, current: boolean }> }>()
  return { mine: sessions.find((s) => s.current)?.handle ?? '', others: sessions.filter((s) => !s.current).map((s) => s.handle) }
}

test('logout on this node closes its sockets here at once with 4001, and no other session\'s', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: NO_TICK })
  const port = await listening(app)
  const sid = await signIn(app)
  const other = await signIn(app)
  const [a, b] = [await openLive(port, { cookie: cookieHeader({ sid }) }), await openLive(port, { cookie: cookieHeader({ sid }) })]
  const bystander = await openLive(port, { cookie: cookieHeader({ sid: other }) })
  await Promise.all([a.next('hello'), b.next('hello'), bystander.next('hello')])
  const res = await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(res.statusCode, 204)
  assert.equal((await closeOf(a)).code, 4001)
  assert.equal((await closeOf(b)).code, 4001)
  const from = bystander.messages.length
  bystander.send('{"type":"ping"}')
  await bystander.next('pong', from)
  assert.equal(bystander.ws.readyState, bystander.ws.OPEN, 'another session of the same user is untouched')
})

test('the logout form closes the sockets at once too', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: NO_TICK })
  const port = await listening(app)
  const sid = await signIn(app)
  const client = await openLive(port, { cookie: cookieHeader({ sid }) })
  await client.next('hello')
  const form = await fetchLoginForm(app)
  const res = await app.inject({ method: 'POST', url: '/logout', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader({ sid, csrf: form.csrfCookie }) }, payload: formBody({ _csrf: form.token }) })
  assert.equal(res.statusCode, 303)
  assert.equal((await closeOf(client)).code, 4001)
})

test('logout everywhere closes every socket of the user on this node at once, and not another user\'s', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: NO_TICK })
  const port = await listening(app)
  const [first, second, bobs] = [await signIn(app), await signIn(app), await signIn(app, 'bob', 'builder')]
  const clients = await Promise.all([first, second].map(async (sid) => await openLive(port, { cookie: cookieHeader({ sid }) })))
  const bob = await openLive(port, { cookie: cookieHeader({ sid: bobs }) })
  await Promise.all([...clients, bob].map(async (c) => await c.next('hello')))
  const res = await app.inject({ method: 'POST', url: '/api/logout-everywhere', headers: { cookie: cookieHeader({ sid: first }) } })
  assert.equal(res.statusCode, 204)
  for (const client of clients) assert.equal((await closeOf(client)).code, 4001)
  assert.equal(bob.ws.readyState, bob.ws.OPEN)
})

test('revoking a session by its handle closes its sockets here at once; revoking this one ends this cookie too', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: NO_TICK })
  const port = await listening(app)
  const [sid, other] = [await signIn(app), await signIn(app)]
  const mine = await openLive(port, { cookie: cookieHeader({ sid }) })
  const theirs = await openLive(port, { cookie: cookieHeader({ sid: other }) })
  await Promise.all([mine.next('hello'), theirs.next('hello')])
  const handles = await handleOfCurrent(app, sid)
  const revoke = await app.inject({ method: 'DELETE', url: `/api/sessions/${handles.others[0] ?? ''}`, headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(revoke.statusCode, 204)
  assert.equal((await closeOf(theirs)).code, 4001)
  assert.equal(mine.ws.readyState, mine.ws.OPEN)
  const self = await app.inject({ method: 'DELETE', url: `/api/sessions/${handles.mine}`, headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(self.statusCode, 204)
  assert.equal((await closeOf(mine)).code, 4001)
})

test('a session ended on another node closes its sockets on this one (4001), through the re-validation read', async (t) => {
  const [node1, node2] = twoNodes(t, memcached, FAST_TICK)
  const port2 = await listening(node2.app)
  const cases = ['logout', 'everywhere', 'revoke'] as const
  for (const how of cases) {
    const sid = await signIn(node1.app)
    const spare = await signIn(node1.app) // the revoke is made from another session of the user
    const client = await openLive(port2, { cookie: cookieHeader({ sid }) })
    await client.next('hello')
    const cookie = cookieHeader({ sid: how === 'revoke' ? spare : sid })
    if (how === 'logout') await node1.app.inject({ method: 'POST', url: '/api/logout', headers: { cookie } })
    if (how === 'everywhere') await node1.app.inject({ method: 'POST', url: '/api/logout-everywhere', headers: { cookie } })
    if (how === 'revoke') {
      const { others } = await handleOfCurrent(node1.app, spare)
      assert.equal(others.length, 1)
      assert.equal((await node1.app.inject({ method: 'DELETE', url: `/api/sessions/${others[0] ?? ''}`, headers: { cookie } })).statusCode, 204)
    }
    assert.equal((await closeOf(client)).code, 4001, how)
  }
})

test('a cart changed on another node is pushed to the socket; the session list follows a sign-in elsewhere', async (t) => {
  const [node1, node2] = twoNodes(t, memcached, FAST_TICK)
  const port2 = await listening(node2.app)
  const sid = await signIn(node1.app)
  const client = await openLive(port2, { cookie: cookieHeader({ sid }) })
  assert.deepEqual(await client.next('cart'), { type: 'cart', cart: [] })
  await client.next('sessions')
  let from = client.messages.length
  const res = await node1.app.inject({ method: 'POST', url: '/api/cart', headers: { cookie: cookieHeader({ sid }), 'content-type': 'application/json' }, payload: '{"item":"scones"}' })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(await client.next('cart', from), { type: 'cart', cart: ['scones'] })
  from = client.messages.length
  await signIn(node1.app)
  const sessions = (await client.next('sessions', from)).sessions as Array<{ current: boolean }>
  assert.deepEqual(sessions.map((s) => s.current).sort(), [false, true])
})

test('idle expiry closes the socket with 4001: the socket itself keeps nobody signed in', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: { ...FAST_TICK, SESSION_IDLE_TIMEOUT_S: '2' } })
  const port = await listening(app)
  const sid = await signIn(app)
  const client = await openLive(port, { cookie: cookieHeader({ sid }) })
  await client.next('hello')
  client.send('{"type":"ping"}') // messages on the socket extend nothing
  assert.equal((await closeOf(client)).code, 4001)
  assert.equal((await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })).statusCode, 401)
})

test('the absolute lifetime closes the socket with 4001 however active the session is', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: { ...FAST_TICK, SESSION_IDLE_TIMEOUT_S: '2', SESSION_ABSOLUTE_TIMEOUT_S: '3' } })
  const port = await listening(app)
  const sid = await signIn(app)
  const client = await openLive(port, { cookie: cookieHeader({ sid }) })
  await client.next('hello')
  let active = true
  const activity = (async () => {
    // a request every 300 ms keeps the idle end ahead: only the absolute end can close it
    while (active) {
      await app.inject({ method: 'POST', url: '/api/cart', headers: { cookie: cookieHeader({ sid }), 'content-type': 'application/json' }, payload: '{"item":"x"}' })
      await sleep(300)
    }
  })()
  try {
    assert.equal((await closeOf(client)).code, 4001)
  } finally {
    active = false
    await activity
  }
})

test('a store outage closes nothing: an unknown session is not an ended one', async (t) => {
  const own = await memcachedPerTest(t)
  const { app, store } = buildTestApp(t, own, { env: FAST_TICK, storeOptions: { timeoutMs: 200, retryIntervalMs: 60_000 } })
  const port = await listening(app)
  const sid = await signIn(app)
  const client = await openLive(port, { cookie: cookieHeader({ sid }) })
  await client.next('hello')
  for (const server of own.servers) await server.kill()
  await serversAre(store, 'down')
  // observe the re-validation reads (memcached itself is real and down)
  const peek = store.peekSessions.bind(store)
  let unknown = 0
  store.peekSessions = async (ids) => {
    const peeks = await peek(ids)
    if (peeks.get(sessionIdOf(sid))?.state === 'unknown') unknown++
    return peeks
  }
  await pollUntil(() => unknown >= 3, { what: 'three re-validation reads that found the session unknown', timeoutMs: 10_000 })
  const from = client.messages.length
  client.send('{"type":"ping"}')
  await client.next('pong', from)
  assert.equal(client.ws.readyState, client.ws.OPEN, 'still open')
})
