import { test } from 'node:test'
import assert from 'node:assert/strict'
import { apiLogin, buildTestApp, cookieHeader, rawSetCookies } from './helpers/test-app.js'
import { memcachedPerFile, sessionCount } from './helpers/real-store.js'

const memcached = memcachedPerFile()

function sidCookie (res: Parameters<typeof rawSetCookies>[0]): string {
  const cookie = rawSetCookies(res).find((c) => c.startsWith('sid='))
  assert.ok(cookie, 'a sid cookie was set')
  return cookie
}

test('the session cookie is HttpOnly, SameSite=Lax, Path=/, no Domain, not Secure over http', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const cookie = sidCookie(await apiLogin(app, 'alice', 'wonderland'))
  assert.match(cookie, /; HttpOnly/i)
  assert.match(cookie, /; SameSite=Lax/i)
  assert.match(cookie, /; Path=\/(;|$)/)
  assert.doesNotMatch(cookie, /Domain=/i)
  assert.doesNotMatch(cookie, /; Secure/i)
  assert.match(cookie, /Expires=/i, 'idle timeout as the cookie lifetime')
})

test('Secure when the trusted LB says https, and the session is saved', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const res = await apiLogin(app, 'alice', 'wonderland', { headers: { 'x-forwarded-proto': 'https' } })
  assert.equal(res.statusCode, 200)
  const cookie = sidCookie(res)
  assert.match(cookie, /; Secure/i)
  assert.match(cookie, /; HttpOnly/i)
  assert.equal(await sessionCount(store), 1, '@fastify/session did not skip the save')
  const sid = (res.cookies as Array<{ name: string, value: string }>).find((c) => c.name === 'sid')?.value
  // The same session later over plain http: still served, the cookie not Secure.
  const overHttp = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(overHttp.statusCode, 200)
  assert.doesNotMatch(sidCookie(overHttp), /; Secure/i)
  const overHttps = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }), 'x-forwarded-proto': 'https' } })
  assert.match(sidCookie(overHttps), /; Secure/i)
})

test('X-Forwarded-Proto from an untrusted client is ignored', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const res = await apiLogin(app, 'alice', 'wonderland', { remoteAddress: '203.0.113.9', headers: { 'x-forwarded-proto': 'https' } })
  assert.equal(res.statusCode, 200)
  assert.doesNotMatch(sidCookie(res), /; Secure/i)
})

test('the CSRF cookie has the same attributes', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const plain = rawSetCookies(await app.inject('/login')).find((c) => c.startsWith('csrf='))
  assert.ok(plain)
  assert.match(plain, /; HttpOnly/i)
  assert.match(plain, /; SameSite=Lax/i)
  assert.match(plain, /; Path=\//)
  assert.doesNotMatch(plain, /Domain=|; Secure/i)
  const secure = rawSetCookies(await app.inject({ url: '/login', headers: { 'x-forwarded-proto': 'https' } })).find((c) => c.startsWith('csrf='))
  assert.match(String(secure), /; Secure/i)
})
