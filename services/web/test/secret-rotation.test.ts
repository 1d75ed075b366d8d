import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cookieHeader, rawSetCookies, setCookie, signIn } from './helpers/test-app.js'
import { freshKeyPrefix, memcachedPerFile } from './helpers/real-store.js'

const memcached = memcachedPerFile()

const OLD = 'old-secret-0123456789abcdef0123456789'
const NEW = 'new-secret-0123456789abcdef0123456789'

test('rotating SESSION_SECRETS keeps users signed in, and re-signs on the next saving response', async (t) => {
  // three nodes of one cluster, each on its own store over the same servers and key prefix
  const storeOptions = { keyPrefix: freshKeyPrefix() }
  const before = buildTestApp(t, memcached, { storeOptions, env: { SESSION_SECRETS: OLD } }).app
  const after = buildTestApp(t, memcached, { storeOptions, env: { SESSION_SECRETS: `${NEW},${OLD}` } }).app
  const sid = await signIn(before)

  // Read-only: still signed in, and the cookie is left alone (not cleared).
  const read = await after.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(read.statusCode, 200)
  assert.deepEqual(rawSetCookies(read), [])

  // A saving request sends the cookie signed with the new secret.
  const page = await after.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(page.statusCode, 200)
  const renewed = setCookie(page, 'sid')?.value
  assert.ok(renewed)
  assert.notEqual(renewed, sid)
  assert.equal(renewed.split('.')[0], sid.split('.')[0], 'same session id')

  // A cookie signed only with a retired secret is refused.
  const retired = buildTestApp(t, memcached, { storeOptions, env: { SESSION_SECRETS: NEW } }).app
  assert.equal((await retired.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })).statusCode, 401)
  assert.equal((await retired.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid: renewed }) } })).statusCode, 200)
})
