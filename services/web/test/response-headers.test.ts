import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cookieHeader, signIn } from './helpers/test-app.js'
import { memcachedPerFile, memcachedPerTest } from './helpers/real-store.js'

const memcached = memcachedPerFile()

test('every response carries x-served-by and Cache-Control: no-store', async (t) => {
  // servers of its own: it stops them at the end
  const own = await memcachedPerTest(t)
  const { app } = buildTestApp(t, own, { env: { NODE_NAME: 'web-3' } })
  const sid = await signIn(app)
  const signedIn = { cookie: cookieHeader({ sid }) }
  const requests = [
    { url: '/' },
    { url: '/', headers: signedIn },
    { url: '/login' },
    { url: '/login', headers: signedIn },
    { url: '/api/session' },
    { url: '/api/session', headers: signedIn },
    { url: '/healthz' },
    { url: '/metrics' },
    { url: '/nope', headers: signedIn },
    { method: 'POST' as const, url: '/api/cart', headers: { ...signedIn, 'content-type': 'application/json' }, payload: '{"item":"a"}' },
    { method: 'POST' as const, url: '/api/cart', headers: { ...signedIn, 'content-type': 'application/json' }, payload: '{"item":""}' },
    { method: 'POST' as const, url: '/api/login', headers: { 'content-type': 'text/plain' }, payload: 'x' },
    { method: 'POST' as const, url: '/api/logout', headers: signedIn }
  ]
  for (const request of requests) {
    const res = await app.inject(request)
    assert.equal(res.headers['x-served-by'], 'web-3', `${request.url} ${res.statusCode}`)
    assert.equal(res.headers['cache-control'], 'no-store', `${request.url} ${res.statusCode}`)
  }
  for (const server of own.servers) await server.kill()
  const outage = await app.inject({ url: '/', headers: signedIn })
  assert.equal(outage.statusCode, 503)
  assert.equal(outage.headers['x-served-by'], 'web-3')
  assert.equal(outage.headers['cache-control'], 'no-store')
})

test('the LB\'s x-request-id is kept; a malformed one is replaced', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const kept = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'lb-1234-abcd' } })
  assert.equal(kept.headers['x-request-id'], 'lb-1234-abcd')
  const replaced = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id <script>' } })
  assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/)
  const own = await app.inject({ url: '/healthz' })
  assert.match(String(own.headers['x-request-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.notEqual(own.headers['x-request-id'], replaced.headers['x-request-id'])
})

test('HTML pages get a CSP with a script nonce and no framing', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const res = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  const csp = String(res.headers['content-security-policy'])
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
  assert.ok(nonce)
  assert.ok(res.body.includes(`<script nonce="${nonce}">`))
  assert.match(csp, /frame-ancestors 'none'/)
  assert.equal(res.headers['x-frame-options'], 'DENY')
})
