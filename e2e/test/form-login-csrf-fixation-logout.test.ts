// The HTML sign-in end to end: CSRF on the form, a fresh session id on every
// login (no fixation), the cookie's attributes, and a logout that kills the
// session on every node.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ALICE, BOB, apiSignIn, csrfTokenOf, type SessionBody } from './helpers/accounts.js'
import { assertApiError, assertHtml } from './helpers/assertions.js'
import { useCluster } from './helpers/cluster-fixture.js'
import { HttpClient, jsonOf, summarize } from './helpers/http-client.js'
import { findSetCookie } from './helpers/set-cookie.js'

const cluster = useCluster()

/** GET /login through the LB: asserts the form and returns its _csrf token (the client keeps the csrf cookie). */
async function openLoginForm (client: HttpClient): Promise<string> {
  const res = await client.get(cluster.lbUrl('/login'))
  assertHtml(res, 200)
  for (const field of ['username', 'password', '_csrf']) {
    assert.match(res.text, new RegExp(`name="${field}"`), `the form has a ${field} input`)
  }
  return csrfTokenOf(res.text)
}

/** GET /api/session with exactly this sid cookie, at a URL (one node or the LB). */
async function sessionWith (url: string, sid: string): Promise<ReturnType<HttpClient['get']>> {
  return await new HttpClient().get(url, { headers: { cookie: `sid=${sid}` } })
}

/** Every web node directly, then the LB: the cookie names no live session anywhere. */
async function assertDeadEverywhere (sid: string, what: string): Promise<void> {
  const urls = [...cluster.webNames.map((name) => cluster.webUrl(name, '/api/session')), cluster.lbUrl('/api/session')]
  for (const url of urls) {
    const res = await sessionWith(url, sid)
    assert.equal(res.status, 401, `${what} at ${url}: ${summarize(res)}`)
    assert.equal(jsonOf<SessionBody>(res).authenticated, false, summarize(res))
  }
}

test('the login form carries a _csrf token, and a POST without the right one is refused with 403', { timeout: 30_000 }, async () => {
  const client = new HttpClient()
  const token = await openLoginForm(client)
  assert.ok(client.jar.get('csrf'), 'GET /login set the csrf secret cookie')

  const missing = await client.postForm(cluster.lbUrl('/login'), { username: ALICE.username, password: ALICE.password })
  assert.equal(missing.status, 403, `no _csrf: ${summarize(missing)}`)
  assert.equal(missing.headers.get('location'), null, 'a refused login does not redirect')

  const tampered = token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA')
  for (const wrong of [tampered, 'not-a-token', '']) {
    const res = await client.postForm(cluster.lbUrl('/login'), { username: ALICE.username, password: ALICE.password, _csrf: wrong })
    assert.equal(res.status, 403, `_csrf ${JSON.stringify(wrong)}: ${summarize(res)}`)
  }

  // The right token without its cookie (another browser's token) is no better.
  const noCookie = await new HttpClient().postForm(cluster.lbUrl('/login'), { username: ALICE.username, password: ALICE.password, _csrf: token })
  assert.equal(noCookie.status, 403, `token without its csrf cookie: ${summarize(noCookie)}`)

  assert.equal(client.jar.get('sid'), undefined, 'no refused attempt signed the client in')
})

test('a wrong password answers 401 with the HTML form and a message, and signs nobody in', { timeout: 30_000 }, async () => {
  const client = new HttpClient()
  const token = await openLoginForm(client)
  const res = await client.postForm(cluster.lbUrl('/login'), { username: ALICE.username, password: 'not-the-password', _csrf: token })
  assertHtml(res, 401)
  assert.match(res.text, /name="password"/, 'the form is shown again')
  assert.match(res.text, /wrong|incorrect|invalid/i, 'with a message')
  assert.equal(findSetCookie(res.setCookies, 'sid'), undefined, `no session cookie: ${res.setCookies.join(' | ')}`)
  const session = await client.get(cluster.lbUrl('/api/session'))
  assert.equal(session.status, 401, summarize(session))
})

test('a form login mints a new session id, never the pre-login one, and the old one is dead', { timeout: 60_000 }, async () => {
  const client = new HttpClient()
  // A pre-login session: this browser was signed in as bob before.
  await apiSignIn(cluster.lbUrl('/api/login'), BOB, client)
  const before = client.jar.get('sid')
  assert.ok(before)

  const token = await openLoginForm(client)
  const res = await client.postForm(cluster.lbUrl('/login'), { username: ALICE.username, password: ALICE.password, _csrf: token })
  assert.equal(res.status, 303, summarize(res))
  assert.equal(res.headers.get('location'), '/', summarize(res))

  const cookie = findSetCookie(res.setCookies, 'sid')
  assert.ok(cookie, `the login set a sid cookie: ${res.setCookies.join(' | ')}`)
  assert.notEqual(cookie.value, before, 'the session id changed at login')
  assert.notEqual(cookie.value.split('.')[0], before.split('.')[0], 'the unsigned id changed too, not only the signature')

  // The contract's attributes, over plain http.
  assert.equal(cookie.attributes.get('httponly'), true, `HttpOnly: ${res.setCookies.join(' | ')}`)
  assert.match(String(cookie.attributes.get('samesite')), /^(lax|strict)$/i, `SameSite=Lax or Strict: ${res.setCookies.join(' | ')}`)
  assert.equal(cookie.attributes.get('path'), '/', `Path=/: ${res.setCookies.join(' | ')}`)
  assert.equal(cookie.attributes.has('domain'), false, `no Domain: ${res.setCookies.join(' | ')}`)
  assert.equal(cookie.attributes.has('secure'), false, `no Secure over http: ${res.setCookies.join(' | ')}`)

  const now = await client.get(cluster.lbUrl('/api/session'))
  assert.equal(now.status, 200, summarize(now))
  assert.equal(jsonOf<SessionBody>(now).user, ALICE.username, summarize(now))
  await assertDeadEverywhere(before, 'the pre-login session id')
})

test('a login never adopts a session id the client made up', { timeout: 30_000 }, async () => {
  const client = new HttpClient()
  const planted = 'attacker-chosen-session-id.c2lnbmF0dXJl'
  client.jar.set('sid', planted)
  const token = await openLoginForm(client)
  const res = await client.postForm(cluster.lbUrl('/login'), { username: ALICE.username, password: ALICE.password, _csrf: token })
  assert.equal(res.status, 303, summarize(res))
  const sid = client.jar.get('sid')
  assert.ok(sid !== undefined && sid !== planted, `a new id replaced the planted one: ${res.setCookies.join(' | ')}`)
  assert.ok(!sid.startsWith('attacker-chosen'), sid)
  const session = await client.get(cluster.lbUrl('/api/session'))
  assert.equal(session.status, 200, summarize(session))
})

test('POST /logout needs _csrf, ends the session on every node, and the old cookie stays dead', { timeout: 60_000 }, async () => {
  const client = new HttpClient()
  const loginToken = await openLoginForm(client)
  const login = await client.postForm(cluster.lbUrl('/login'), { username: ALICE.username, password: ALICE.password, _csrf: loginToken })
  assert.equal(login.status, 303, summarize(login))
  const sid = client.jar.get('sid')
  assert.ok(sid)

  const dashboard = await client.get(cluster.lbUrl('/'))
  assertHtml(dashboard, 200)
  const token = csrfTokenOf(dashboard.text)

  const refused = await client.postForm(cluster.lbUrl('/logout'), {})
  assert.equal(refused.status, 403, `logout without _csrf: ${summarize(refused)}`)
  const stillIn = await client.get(cluster.lbUrl('/api/session'))
  assert.equal(stillIn.status, 200, `a refused logout leaves the session alone: ${summarize(stillIn)}`)

  const logout = await client.postForm(cluster.lbUrl('/logout'), { _csrf: token })
  assert.equal(logout.status, 303, summarize(logout))
  assert.equal(logout.headers.get('location'), '/login', summarize(logout))

  // Replaying the cookie the logout ended, on each node directly and through the LB.
  await assertDeadEverywhere(sid, 'the logged-out session')
  const page = await new HttpClient().get(cluster.lbUrl('/'), { headers: { cookie: `sid=${sid}` } })
  assert.equal(page.status, 303, `GET / with the dead cookie: ${summarize(page)}`)
  assert.equal(page.headers.get('location'), '/login', summarize(page))
  const cart = await new HttpClient().postJson(cluster.lbUrl('/api/cart'), { item: 'after logout' }, { headers: { cookie: `sid=${sid}` } })
  assertApiError(cart, 401)
})

test('POST /api/logout answers 204 with a session, without one, and with a dead one', { timeout: 30_000 }, async () => {
  const anonymous = await new HttpClient().request(cluster.lbUrl('/api/logout'), { method: 'POST' })
  assert.equal(anonymous.status, 204, `no session: ${summarize(anonymous)}`)

  const client = await apiSignIn(cluster.lbUrl('/api/login'), BOB)
  const sid = client.jar.get('sid')
  assert.ok(sid)
  const logout = await client.request(cluster.lbUrl('/api/logout'), { method: 'POST' })
  assert.equal(logout.status, 204, summarize(logout))
  await assertDeadEverywhere(sid, 'the session ended by POST /api/logout')

  const again = await new HttpClient().request(cluster.lbUrl('/api/logout'), { method: 'POST', headers: { cookie: `sid=${sid}` } })
  assert.equal(again.status, 204, `dead session: ${summarize(again)}`)
})
