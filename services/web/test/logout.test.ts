import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cookieHeader, formBody, sessionIdOf, setCookie, signIn } from './helpers/test-app.js'
import { memcachedPerFile, storedSession } from './helpers/real-store.js'

const memcached = memcachedPerFile()

async function dashboardToken (app: Awaited<ReturnType<typeof buildTestApp>>['app'], sid: string): Promise<{ token: string, csrf: string }> {
  const res = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(res.statusCode, 200)
  const token = /action="\/logout">\s*<input type="hidden" name="_csrf" value="([^"]+)"/.exec(res.body)?.[1]
  const csrf = setCookie(res, 'csrf')?.value
  assert.ok(token && csrf)
  return { token, csrf }
}

test('POST /logout with _csrf destroys the session and 303s to /login; replaying the cookie gets 401', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const { token, csrf } = await dashboardToken(app, sid)
  const res = await app.inject({
    method: 'POST',
    url: '/logout',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader({ sid, csrf }) },
    payload: formBody({ _csrf: token })
  })
  assert.equal(res.statusCode, 303)
  assert.equal(res.headers.location, '/login')
  const cleared = setCookie(res, 'sid')
  assert.equal(cleared?.value, '', 'the cookie is cleared')
  assert.equal(await storedSession(store, sessionIdOf(sid)), undefined)
  const replay = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(replay.statusCode, 401)
  const page = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(page.statusCode, 303)
})

test('POST /logout without _csrf: 403 and the session survives', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const res = await app.inject({
    method: 'POST',
    url: '/logout',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader({ sid }) },
    payload: ''
  })
  assert.equal(res.statusCode, 403)
  assert.ok(await storedSession(store, sessionIdOf(sid)))
})

test('POST /api/logout: 204 with or without a session, and the session is gone', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const res = await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(res.statusCode, 204)
  assert.equal(res.body, '')
  assert.equal(await storedSession(store, sessionIdOf(sid)), undefined)
  const replay = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(replay.statusCode, 401)
  const again = await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(again.statusCode, 204)
  const none = await app.inject({ method: 'POST', url: '/api/logout' })
  assert.equal(none.statusCode, 204)
})
