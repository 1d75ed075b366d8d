import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { apiLogin, buildTestApp, cookieHeader, fetchLoginForm, formBody, sessionIdOf, setCookie } from './helpers/test-app.js'
import { pollUntil } from '@stickless/test-support'
import { FakeSessionStore } from './helpers/fake-session-store.js'
import { memcachedPerFile, memcachedPerTest, noMemcached, storedSession } from './helpers/real-store.js'

const memcached = memcachedPerFile()

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1'

async function signInWith (app: FastifyInstance, userAgent: string, username = 'alice', password = 'wonderland'): Promise<string> {
  const res = await apiLogin(app, username, password, { headers: { 'user-agent': userAgent } })
  assert.equal(res.statusCode, 200, res.body)
  const sid = setCookie(res, 'sid')?.value
  assert.ok(sid)
  return sid
}

async function sessionsOf (app: FastifyInstance, sid: string): Promise<{ statusCode: number, body: string, json: () => unknown }> {
  const res = await app.inject({ url: '/api/sessions', headers: { cookie: cookieHeader({ sid }) } })
  return { statusCode: res.statusCode, body: res.body, json: () => res.json() }
}

test('GET /api/sessions lists every live session of the user, newest first, this one marked, never an id', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const first = await signInWith(app, FIREFOX)
  await nextMillisecond() // two sign-ins at different times sort by time
  const second = await signInWith(app, SAFARI)
  const bobs = await signInWith(app, FIREFOX, 'bob', 'builder')

  const res = await sessionsOf(app, first)
  assert.equal(res.statusCode, 200)
  const { sessions } = res.json() as { sessions: Array<Record<string, unknown>> }
  assert.equal(sessions.length, 2, 'alice has two sessions; bob\'s is not hers')
  for (const s of sessions) assert.deepEqual(Object.keys(s).sort(), ['createdAt', 'current', 'handle', 'lastSeenAt', 'node', 'userAgent'])
  assert.deepEqual(sessions.map((s) => s.userAgent), ['Safari 18 on iOS', 'Firefox 133 on Linux'], 'newest first')
  assert.deepEqual(sessions.map((s) => s.current), [false, true])
  assert.equal(sessions[0]?.node, 'web-1')
  assert.ok(String(sessions[1]?.createdAt) < String(sessions[0]?.createdAt))
  for (const sid of [first, second, bobs]) {
    assert.ok(!res.body.includes(sessionIdOf(sid)), 'no session id in the answer')
    assert.ok(!res.body.includes(sid.slice(0, 16)), 'no cookie value in the answer')
  }
})

test('GET /api/sessions without a session is a coded 401; with the store down, 503', async (t) => {
  const own = await memcachedPerTest(t)
  const { app } = buildTestApp(t, own)
  const anonymous = await app.inject({ url: '/api/sessions' })
  assert.equal(anonymous.statusCode, 401)
  assert.equal(anonymous.json().code, 'STK_ERR_WEB_UNAUTHENTICATED')
  const sid = await signInWith(app, FIREFOX)
  for (const server of own.servers) await server.kill()
  const down = await sessionsOf(app, sid)
  assert.equal(down.statusCode, 503)
  assert.equal((down.json() as { code: string }).code, 'STK_ERR_WEB_SESSION_UNAVAILABLE')
})

test('a cart write moves "last seen" to the node that served it', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: { NODE_NAME: 'web-3' } })
  const sid = await signInWith(app, FIREFOX)
  const before = (await sessionsOf(app, sid)).json() as { sessions: Array<{ lastSeenAt: string, createdAt: string }> }
  await nextMillisecond()
  const cart = await app.inject({ method: 'POST', url: '/api/cart', headers: { 'content-type': 'application/json', cookie: cookieHeader({ sid }) }, payload: '{"item":"tea"}' })
  assert.equal(cart.statusCode, 200)
  const after = (await sessionsOf(app, sid)).json() as { sessions: Array<{ lastSeenAt: string, createdAt: string, node: string }> }
  assert.equal(after.sessions[0]?.node, 'web-3')
  assert.equal(before.sessions[0]?.lastSeenAt, before.sessions[0]?.createdAt, 'last seen at sign-in')
  assert.ok(String(after.sessions[0]?.lastSeenAt) > String(before.sessions[0]?.lastSeenAt), 'last seen moved on')
})

test('POST /api/logout-everywhere ends every session of the user, this one too, and only theirs', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const first = await signInWith(app, FIREFOX)
  const second = await signInWith(app, SAFARI)
  const bobs = await signInWith(app, FIREFOX, 'bob', 'builder')

  const res = await app.inject({ method: 'POST', url: '/api/logout-everywhere', headers: { cookie: cookieHeader({ sid: second }) } })
  assert.equal(res.statusCode, 204)
  assert.equal(setCookie(res, 'sid')?.value, '', 'this browser\'s cookie is cleared')
  assert.equal(await storedSession(store, sessionIdOf(first)), undefined)
  assert.equal(await storedSession(store, sessionIdOf(second)), undefined)
  for (const sid of [first, second]) {
    assert.equal((await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })).statusCode, 401)
    assert.equal((await sessionsOf(app, sid)).statusCode, 401)
    const cart = await app.inject({ method: 'POST', url: '/api/cart', headers: { 'content-type': 'application/json', cookie: cookieHeader({ sid }) }, payload: '{"item":"x"}' })
    assert.equal(cart.statusCode, 401, 'an old cookie cannot write either')
  }
  const bob = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid: bobs }) } })
  assert.equal(bob.statusCode, 200, 'another user is untouched')
})

test('POST /api/logout-everywhere: 401 without a session, 415 for a form body, JSON accepted', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const anonymous = await app.inject({ method: 'POST', url: '/api/logout-everywhere' })
  assert.equal(anonymous.statusCode, 401)
  assert.equal(anonymous.json().code, 'STK_ERR_WEB_UNAUTHENTICATED')
  const sid = await signInWith(app, FIREFOX)
  const form = await app.inject({ method: 'POST', url: '/api/logout-everywhere', headers: { cookie: cookieHeader({ sid }), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' })
  assert.equal(form.statusCode, 415, 'a cross-site form cannot reach it')
  assert.equal((await sessionsOf(app, sid)).statusCode, 200, 'still signed in')
  const json = await app.inject({ method: 'POST', url: '/api/logout-everywhere', headers: { cookie: cookieHeader({ sid }), 'content-type': 'application/json' }, payload: '{}' })
  assert.equal(json.statusCode, 204)
})

test('POST /logout-everywhere needs the form\'s _csrf, then ends every session and lands on /login', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const other = await signInWith(app, SAFARI)
  const sid = await signInWith(app, FIREFOX)
  const form = await fetchLoginForm(app)
  const headers = { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader({ sid, csrf: form.csrfCookie }) }

  const forged = await app.inject({ method: 'POST', url: '/logout-everywhere', headers, payload: '' })
  assert.equal(forged.statusCode, 403)
  assert.ok(await storedSession(store, sessionIdOf(other)), 'nothing ended without the token')

  const res = await app.inject({ method: 'POST', url: '/logout-everywhere', headers, payload: formBody({ _csrf: form.token }) })
  assert.equal(res.statusCode, 303)
  assert.equal(res.headers.location, '/login')
  assert.equal(await storedSession(store, sessionIdOf(other)), undefined)
  assert.equal(await storedSession(store, sessionIdOf(sid)), undefined)
})

test('the dashboard lists the sessions, marks this browser and offers "Sign out everywhere"', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  // another node: a store of its own over the same servers and key prefix
  const second = buildTestApp(t, memcached, { env: { NODE_NAME: 'web-2' }, storeOptions: { keyPrefix: store.options.keyPrefix } })
  await signInWith(app, SAFARI)
  const sid = await signInWith(app, FIREFOX)
  const res = await second.app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(res.statusCode, 200)
  const panel = /<section class="card" id="your-sessions">([^]*?)<\/section>/.exec(res.body)?.[1] ?? ''
  assert.equal((panel.match(/<tr class="(?:current)?"><td>/g) ?? []).length, 2, 'two rows')
  assert.match(panel, /<tr class="current"><td>Firefox 133 on Linux <span class="this-browser">this browser<\/span><\/td><td>[^]*?<\/td><td><time datetime="[^"]+" data-local-full>[^<]+<\/time> <span class="badge"[^>]*>web-2<\/span><\/td><td><form method="post" action="\/sessions\/[A-Za-z0-9_-]{43}\/logout"[^]*?<\/td><\/tr>/, 'this browser was last seen by this very request, on web-2')
  assert.match(panel, /Safari 18 on iOS/)
  assert.match(panel, /<form method="post" action="\/logout-everywhere"[^>]*>\s*<input type="hidden" name="_csrf" value="[^"]+">\s*<button type="submit" class="danger">Sign out everywhere<\/button>/)
  assert.ok(!panel.includes(sessionIdOf(sid)))
})

test('the sessions panel is a side panel: a store that cannot list them does not cost the page', async (t) => {
  // The fake: a real store cannot fail to list a user's sessions while
  // reading and saving this very session on the same servers.
  const store = new FakeSessionStore()
  const { app } = buildTestApp(t, noMemcached, { store })
  const sid = await signInWith(app, FIREFOX)
  store.failUserSessions = true
  const degraded = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(degraded.statusCode, 200)
  assert.match(degraded.body, /Your sessions could not be listed just now/)
})

test('a cart write racing a logout everywhere is a coded 401 that clears the cookie, never a 500', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const sid = await signInWith(app, FIREFOX)
  const elsewhere = await signInWith(app, SAFARI)
  // The cart request reads its session; before it saves, the user's other
  // browser signs out everywhere, through the app and the store as they are.
  const save = store.set.bind(store)
  let raced: number | undefined
  store.set = (id, session, callback) => {
    store.set = save
    app.inject({ method: 'POST', url: '/api/logout-everywhere', headers: { cookie: cookieHeader({ sid: elsewhere }) } }).then((res) => {
      raced = res.statusCode
      save(id, session, callback)
    }, (err: unknown) => { callback?.(err) })
  }
  const res = await app.inject({ method: 'POST', url: '/api/cart', headers: { 'content-type': 'application/json', cookie: cookieHeader({ sid }) }, payload: '{"item":"late"}' })
  assert.equal(raced, 204, 'the logout everywhere ran between the cart request\'s read and its save')
  assert.equal(res.statusCode, 401)
  assert.equal(res.json().code, 'STK_ERR_WEB_UNAUTHENTICATED')
  assert.equal(setCookie(res, 'sid')?.value, '', 'the dead cookie is cleared')
  assert.equal(await storedSession(store, sessionIdOf(sid)), undefined, 'the late save did not bring it back')
})

/** Resolves once Date.now() has moved past the current millisecond, so two sign-ins get different times. */
async function nextMillisecond (): Promise<void> {
  const now = Date.now()
  await pollUntil(() => Date.now() > now ? true : undefined, { what: 'the next millisecond', timeoutMs: 1000, intervalMs: 1 })
}
