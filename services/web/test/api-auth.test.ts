import { test } from 'node:test'
import assert from 'node:assert/strict'
import { apiLogin, buildTestApp, cookieHeader, setCookie } from './helpers/test-app.js'
import { memcachedPerFile } from './helpers/real-store.js'

const memcached = memcachedPerFile()

test('POST /api/login: 200 {user} and a session cookie', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const res = await apiLogin(app, 'bob', 'builder')
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { user: 'bob' })
  const sid = setCookie(res, 'sid')?.value
  assert.ok(sid)
  const session = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
  assert.deepEqual(session.json(), { authenticated: true, user: 'bob', node: 'web-1', cart: [] })
})

test('POST /api/login with wrong credentials: 401 {error} in the error format', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const res = await apiLogin(app, 'alice', 'WONDERLAND')
  assert.equal(res.statusCode, 401)
  const body = res.json()
  assert.equal(body.statusCode, 401)
  assert.equal(body.code, 'STK_ERR_WEB_WRONG_CREDENTIALS')
  assert.equal(typeof body.error, 'string')
  assert.equal(typeof body.message, 'string')
  assert.equal(setCookie(res, 'sid'), undefined)
})

test('POST /api/login accepts JSON only: 415 for forms, text and no body', async (t) => {
  const { app } = buildTestApp(t, memcached)
  for (const [type, payload] of [
    ['application/x-www-form-urlencoded', 'username=alice&password=wonderland'],
    ['text/plain', '{"username":"alice","password":"wonderland"}'],
    ['multipart/form-data; boundary=x', '--x--'],
    [undefined, undefined]
  ] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/login', headers: type === undefined ? {} : { 'content-type': type }, payload })
    assert.equal(res.statusCode, 415, String(type))
    assert.equal(res.json().code, 'STK_ERR_WEB_UNSUPPORTED_MEDIA_TYPE')
  }
})

test('POST /api/login with malformed bodies: 400', async (t) => {
  const { app } = buildTestApp(t, memcached)
  for (const payload of [
    '{"username":"alice"',
    '{"username":"alice"}',
    '{"username":"alice","password":7}',
    '{"username":["alice"],"password":"wonderland"}',
    '{"username":"","password":"wonderland"}',
    '{"username":"ali\\r\\nce","password":"wonderland"}',
    '[1,2]',
    '"alice"',
    '{"__proto__":{"admin":true},"username":"alice","password":"x"}',
    '{"constructor":{"prototype":{"admin":true}},"username":"alice","password":"x"}'
  ]) {
    const res = await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload })
    assert.equal(res.statusCode, 400, payload)
    const body = res.json()
    assert.equal(body.statusCode, 400)
    assert.match(body.code, /^STK_ERR_WEB_/)
    assert.doesNotMatch(res.body, /at .*\.js:\d+/, 'no stack trace')
  }
})
