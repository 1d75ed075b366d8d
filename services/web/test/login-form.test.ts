import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Signer } from '@fastify/cookie'
import { SECRET, buildTestApp, cookieHeader, fetchLoginForm, formBody, rawSetCookies, sessionIdOf, setCookie, signIn, submitLogin } from './helpers/test-app.js'
import { memcachedPerFile, sessionCount, storeActivity, storedSession } from './helpers/real-store.js'

const memcached = memcachedPerFile()

test('GET /login renders a form with username, password and a hidden _csrf, and stores nothing', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const res = await app.inject('/login')
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^text\/html/)
  assert.match(res.body, /<input[^>]+name="username"/)
  assert.match(res.body, /<input[^>]+type="password"[^>]+name="password"/)
  assert.match(res.body, /<input type="hidden" name="_csrf" value="[^"]+"/)
  assert.ok(setCookie(res, 'csrf'), 'the CSRF secret cookie is set')
  assert.equal(setCookie(res, 'sid'), undefined, 'no session for an anonymous visitor')
  assert.deepEqual(storeActivity(store), { reads: 0, saves: 0, destroys: 0 }, 'the store is not touched')
})

test('POST /login with the right password: 303 to / and a session cookie', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const res = await submitLogin(app, 'alice', 'wonderland')
  assert.equal(res.statusCode, 303)
  assert.equal(res.headers.location, '/')
  const sid = setCookie(res, 'sid')?.value
  assert.ok(sid)
  const stored = await storedSession(store, sessionIdOf(sid))
  assert.equal(stored?.user, 'alice')
  assert.deepEqual(stored?.cart, [])
  const dashboard = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(dashboard.statusCode, 200)
  assert.match(dashboard.body, /Hello, alice/)
})

test('POST /login with wrong credentials: 401 HTML form with a message, no session', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  for (const [user, password] of [['alice', 'nope'], ['mallory', 'wonderland']] as const) {
    const res = await submitLogin(app, user, password)
    assert.equal(res.statusCode, 401)
    assert.match(String(res.headers['content-type']), /^text\/html/)
    assert.match(res.body, /Wrong username or password/)
    assert.match(res.body, /name="_csrf"/, 'the form is shown again')
    assert.equal(setCookie(res, 'sid'), undefined)
  }
  assert.equal(await sessionCount(store), 0)
})

test('POST /login without or with a wrong _csrf: 403', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const form = await fetchLoginForm(app)
  const cases = [
    { cookie: cookieHeader({ csrf: form.csrfCookie }), body: { username: 'alice', password: 'wonderland' } },
    { cookie: cookieHeader({ csrf: form.csrfCookie }), body: { username: 'alice', password: 'wonderland', _csrf: 'forged' } },
    { cookie: '', body: { username: 'alice', password: 'wonderland', _csrf: form.token } },
    { cookie: cookieHeader({ csrf: 'unsigned-secret' }), body: { username: 'alice', password: 'wonderland', _csrf: form.token } }
  ]
  for (const c of cases) {
    const res = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: c.cookie },
      payload: formBody(c.body)
    })
    assert.equal(res.statusCode, 403, JSON.stringify(c))
    assert.match(res.body, /STK_ERR_WEB_CSRF/)
    assert.equal(setCookie(res, 'sid'), undefined)
  }
})

test('a CSRF token from another visitor\'s cookie does not verify', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const mine = await fetchLoginForm(app)
  const theirs = await fetchLoginForm(app)
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader({ csrf: mine.csrfCookie }) },
    payload: formBody({ username: 'alice', password: 'wonderland', _csrf: theirs.token })
  })
  assert.equal(res.statusCode, 403)
})

test('POST /login: missing fields 400, JSON 415', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const form = await fetchLoginForm(app)
  const missing = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader({ csrf: form.csrfCookie }) },
    payload: formBody({ username: 'alice', _csrf: form.token })
  })
  assert.equal(missing.statusCode, 400)
  assert.match(missing.body, /name="_csrf"/)
  const json = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/json', cookie: cookieHeader({ csrf: form.csrfCookie }) },
    payload: JSON.stringify({ username: 'alice', password: 'wonderland', _csrf: form.token })
  })
  assert.equal(json.statusCode, 415)
})

test('session fixation: login issues a new id and destroys the pre-login one', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const before = await signIn(app, 'bob', 'builder')
  assert.ok(await storedSession(store, sessionIdOf(before)))
  const res = await submitLogin(app, 'alice', 'wonderland', { sid: before })
  assert.equal(res.statusCode, 303)
  const after = setCookie(res, 'sid')?.value
  assert.ok(after)
  assert.notEqual(sessionIdOf(after), sessionIdOf(before), 'a new session id')
  assert.equal(await storedSession(store, sessionIdOf(before)), undefined, 'the old session is destroyed')
  assert.equal((await storedSession(store, sessionIdOf(after)))?.user, 'alice')
  const old = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid: before }) } })
  assert.equal(old.statusCode, 401)
})

test('a planted, validly signed but unknown session id is never adopted', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const planted = new Signer([SECRET]).sign('attacker-chosen-session-id')
  const res = await submitLogin(app, 'alice', 'wonderland', { sid: planted })
  assert.equal(res.statusCode, 303)
  const sid = setCookie(res, 'sid')?.value
  assert.ok(sid)
  assert.notEqual(sessionIdOf(sid), 'attacker-chosen-session-id')
  assert.equal(await storedSession(store, 'attacker-chosen-session-id'), undefined)
  assert.equal(rawSetCookies(res).filter((c) => c.startsWith('sid=')).length, 1)
})

test('a node on the public demo secret says so on the login page; one with its own secret does not', async (t) => {
  const demo = buildTestApp(t, memcached, { env: { SESSION_SECRETS: '' } })
  const own = buildTestApp(t, memcached)
  assert.equal(demo.config.usingDevSecret, true)
  const banner = /<div class="demo-secret" role="alert">[^<]*<b>Demo mode: not safe for real use\.<\/b>[^]*SESSION_SECRETS/
  assert.match((await demo.app.inject('/login')).body, banner)
  const wrong = await submitLogin(demo.app, 'alice', 'nope')
  assert.equal(wrong.statusCode, 401)
  assert.match(wrong.body, banner, 'also on the form shown again after a failure')
  assert.doesNotMatch((await own.app.inject('/login')).body, /class="demo-secret"|Demo mode/)
})
