// Revoking one session by its handle: DELETE /api/sessions/:handle and the
// dashboard's form, POST /sessions/:handle/logout.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import vm from 'node:vm'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, cookieHeader, fetchLoginForm, formBody, sessionIdOf, setCookie, signIn } from './helpers/test-app.js'
import { freshKeyPrefix, memcachedPerFile, storedSession } from './helpers/real-store.js'

const memcached = memcachedPerFile()

interface Listed { handle: string, current: boolean }

async function listed (app: FastifyInstance, sid: string): Promise<Listed[]> {
  const res = await app.inject({ url: '/api/sessions', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(res.statusCode, 200, res.body)
  return res.json<{ sessions: Listed[] }>().sessions
}

async function handleOf (app: FastifyInstance, sid: string): Promise<string> {
  const mine = (await listed(app, sid)).find((s) => s.current)
  assert.ok(mine, 'the current session is listed')
  return mine.handle
}

async function revoke (app: FastifyInstance, sid: string | undefined, handle: string): Promise<{ statusCode: number, code?: string, cookie?: string }> {
  const res = await app.inject({ method: 'DELETE', url: `/api/sessions/${handle}`, headers: { cookie: cookieHeader({ sid }) } })
  return { statusCode: res.statusCode, code: res.body === '' ? undefined : res.json<{ code: string }>().code, cookie: setCookie(res, 'sid')?.value }
}

test('each listed session has a handle: the same on every node, not the id, no cookie, and no way back to the id', async (t) => {
  const keyPrefix = freshKeyPrefix()
  const node1 = buildTestApp(t, memcached, { storeOptions: { keyPrefix } })
  const node2 = buildTestApp(t, memcached, { env: { NODE_NAME: 'web-2' }, storeOptions: { keyPrefix } })
  const sid = await signIn(node1.app)
  const handle = await handleOf(node1.app, sid)
  assert.match(handle, /^[A-Za-z0-9_-]{43}$/)
  assert.equal(await handleOf(node2.app, sid), handle, 'every node computes the same handle')
  const id = sessionIdOf(sid)
  assert.ok(!handle.includes(id) && !id.includes(handle))
  for (const cookie of [handle, `${handle}.${handle}`]) {
    assert.equal((await node1.app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid: cookie }) } })).statusCode, 401, 'a handle is no cookie')
  }
  const other = buildTestApp(t, memcached, { env: { SESSION_SECRETS: 'another-secret-0123456789abcdef0123456' }, storeOptions: { keyPrefix } })
  const otherSid = await signIn(other.app)
  assert.notEqual(await handleOf(other.app, otherSid), await handleOf(node1.app, sid), 'keyed by the secret')
})

test('DELETE /api/sessions/:handle ends that session of this user (204); unknown, another user\'s or malformed: 404; no session: 401', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const [sid, other, bobs] = [await signIn(app), await signIn(app), await signIn(app, 'bob', 'builder')]
  const otherHandle = await handleOf(app, other)
  const bobsHandle = await handleOf(app, bobs)

  assert.deepEqual(await revoke(app, undefined, otherHandle), { statusCode: 401, code: 'STK_ERR_WEB_UNAUTHENTICATED', cookie: undefined })
  assert.equal((await revoke(app, sid, bobsHandle)).statusCode, 404, 'another user\'s handle names nothing to alice')
  assert.equal((await revoke(app, sid, bobsHandle)).code, 'STK_ERR_WEB_SESSION_NOT_FOUND')
  assert.ok(await storedSession(store, sessionIdOf(bobs)), 'bob is still signed in')
  for (const bad of ['x'.repeat(43), 'short', sessionIdOf(other), encodeURIComponent('../../etc')]) {
    const res = await revoke(app, sid, bad)
    assert.equal(res.statusCode, 404, bad)
    assert.equal(res.code, 'STK_ERR_WEB_SESSION_NOT_FOUND')
  }
  const overLong = await revoke(app, sid, 'a'.repeat(500))
  assert.deepEqual([overLong.statusCode, overLong.code], [400, 'STK_ERR_WEB_BAD_REQUEST'], 'past the router\'s parameter limit')
  assert.ok(await storedSession(store, sessionIdOf(other)), 'not by its id either')

  const done = await revoke(app, sid, otherHandle)
  assert.equal(done.statusCode, 204)
  assert.notEqual(done.cookie, '', 'this request\'s cookie is not cleared')
  assert.equal(await storedSession(store, sessionIdOf(other)), undefined)
  assert.equal((await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid: other }) } })).statusCode, 401)
  assert.equal((await revoke(app, sid, otherHandle)).statusCode, 404, 'a revoked handle names nothing')
  assert.deepEqual((await listed(app, sid)).map((s) => s.current), [true])
})

test('revoking this very session ends it and clears this cookie, as a logout does', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const res = await revoke(app, sid, await handleOf(app, sid))
  assert.equal(res.statusCode, 204)
  assert.equal(res.cookie, '', 'the cookie is cleared')
  assert.equal(await storedSession(store, sessionIdOf(sid)), undefined)
})

test('POST /sessions/:handle/logout needs the form\'s _csrf, then ends that session and lands on /', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const [sid, other] = [await signIn(app), await signIn(app)]
  const handle = await handleOf(app, other)
  const form = await fetchLoginForm(app)
  const headers = { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader({ sid, csrf: form.csrfCookie }) }
  const forged = await app.inject({ method: 'POST', url: `/sessions/${handle}/logout`, headers, payload: '' })
  assert.equal(forged.statusCode, 403)
  assert.ok(await storedSession(store, sessionIdOf(other)), 'nothing ended without the token')
  const unknown = await app.inject({ method: 'POST', url: `/sessions/${'A'.repeat(43)}/logout`, headers, payload: formBody({ _csrf: form.token }) })
  assert.equal(unknown.statusCode, 404)
  assert.match(unknown.headers['content-type'] as string, /text\/html/)
  const res = await app.inject({ method: 'POST', url: `/sessions/${handle}/logout`, headers, payload: formBody({ _csrf: form.token }) })
  assert.equal(res.statusCode, 303)
  assert.equal(res.headers.location, '/')
  assert.equal(await storedSession(store, sessionIdOf(other)), undefined)
  assert.ok(await storedSession(store, sessionIdOf(sid)), 'the session that asked goes on')
})

test('the dashboard offers a Sign out form on each row of "Your sessions", and the live status element', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const [sid, other] = [await signIn(app), await signIn(app)]
  const res = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(res.statusCode, 200)
  for (const s of [sid, other]) {
    const handle = await handleOf(app, s)
    assert.ok(res.body.includes(`action="/sessions/${handle}/logout"`), 'a form per session')
  }
  assert.equal(res.body.match(/>Sign out<\/button>/g)?.length, 2)
  assert.match(res.body, /<span id="live-status" data-state="connecting"/)
  // the live client runs under the page's nonce, and is valid script as served
  const scripts = [...res.body.matchAll(/<script nonce="[^"]+">([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '')
  assert.equal(scripts.length, 1)
  assert.ok(scripts[0]?.includes("'/api/live'"), 'connects to /api/live')
  assert.doesNotThrow(() => new vm.Script(scripts[0] ?? ''), 'the page script parses')
})
