import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Signer } from '@fastify/cookie'
import { BODY_LIMIT_BYTES } from '../src/app.js'
import { SECRET, buildTestApp, cookieHeader, signIn } from './helpers/test-app.js'
import { memcachedPerFile } from './helpers/real-store.js'

const memcached = memcachedPerFile()

test('tampered, garbage or unknown session cookies count as no session', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const cookies = [
    sid.slice(0, -2) + 'xx', // bad signature
    'garbage',
    '',
    '.',
    'a'.repeat(4000),
    new Signer(['another-secret-of-at-least-32-chars!!']).sign(sid.split('.')[0] ?? ''), // other key
    new Signer([SECRET]).sign('no-such-session'),
    '%E0%A4%A', // broken percent-encoding
    'abc%0D%0ASet-Cookie:%20x=1' // CR/LF once decoded
  ]
  for (const value of cookies) {
    const api = await app.inject({ url: '/api/session', headers: { cookie: `sid=${value}` } })
    assert.equal(api.statusCode, 401, value)
    const page = await app.inject({ url: '/', headers: { cookie: `sid=${value}` } })
    assert.equal(page.statusCode, 303, value)
    assert.equal(page.headers.location, '/login')
    assert.doesNotMatch(JSON.stringify(page.headers), /x=1/)
  }
})

test('malformed Cookie headers are survived', async (t) => {
  const { app } = buildTestApp(t, memcached)
  for (const cookie of ['=', ';;;', 'sid', 'sid=a=b=c', 'sid="quoted"', 'a=1; sid=; sid=2', '\u00ff=\u00ff']) {
    const res = await app.inject({ url: '/api/session', headers: { cookie } })
    assert.equal(res.statusCode, 401, cookie)
    assert.equal((await app.inject({ url: '/login', headers: { cookie } })).statusCode, 200, cookie)
  }
})

test('usernames with CR/LF or other control characters: 400, not counted', async (t) => {
  const { app } = buildTestApp(t, memcached)
  for (const username of ['alice\r\nX-Injected: 1', 'alice\n', '\u0000', 'a'.repeat(65)]) {
    const res = await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username, password: 'x' }) })
    assert.equal(res.statusCode, 400, JSON.stringify(username))
    assert.equal(res.headers['x-injected'], undefined)
  }
})

test('__proto__ payloads: 400 for JSON, refused in forms too', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const json = await app.inject({ method: 'POST', url: '/api/cart', headers: { 'content-type': 'application/json', cookie: cookieHeader({ sid }) }, payload: '{"item":"x","__proto__":{"polluted":true}}' })
  assert.equal(json.statusCode, 400)
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
  const form = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '__proto__[polluted]=1&username=a&password=b' })
  assert.equal(form.statusCode, 403, 'no CSRF token: refused before anything is read')
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('bodies over 1 MiB: 413', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const big = JSON.stringify({ item: 'x', pad: 'y'.repeat(BODY_LIMIT_BYTES) })
  const api = await app.inject({ method: 'POST', url: '/api/cart', headers: { 'content-type': 'application/json', cookie: cookieHeader({ sid }) }, payload: big })
  assert.equal(api.statusCode, 413)
  assert.equal(api.json().code, 'STK_ERR_WEB_PAYLOAD_TOO_LARGE')
  const form = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=' + 'a'.repeat(BODY_LIMIT_BYTES) })
  assert.equal(form.statusCode, 413)
  assert.match(String(form.headers['content-type']), /^text\/html/)
})

test('malformed URLs and unknown routes: clear 4xx in the right format', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const bad = await app.inject({ url: '/api/%E0%A4%A' })
  assert.ok(bad.statusCode >= 400 && bad.statusCode < 500, String(bad.statusCode))
  assert.equal(bad.headers['x-served-by'], 'web-1')
  const missing = await app.inject({ url: '/nope' })
  assert.equal(missing.statusCode, 404)
  assert.match(String(missing.headers['content-type']), /^text\/html/)
  const apiMissing = await app.inject({ url: '/api/nope' })
  assert.equal(apiMissing.statusCode, 404)
  assert.equal(apiMissing.json().code, 'STK_ERR_WEB_NOT_FOUND')
  const wrongMethod = await app.inject({ method: 'DELETE', url: '/api/cart' })
  assert.equal(wrongMethod.statusCode, 404)
})
