import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Signer } from '@fastify/cookie'
import { SECRET, buildTestApp, cookieHeader, rawSetCookies, sessionIdOf, signIn } from './helpers/test-app.js'
import { rawGet, sessionKey } from '@stickless/test-support'
import { memcachedPerFile, rewriteSession, storeActivity, storedSession } from './helpers/real-store.js'

const memcached = memcachedPerFile()

test('GET /api/session: 401 {authenticated:false,node} when not signed in', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const res = await app.inject('/api/session')
  assert.equal(res.statusCode, 401)
  assert.deepEqual(res.json(), { authenticated: false, node: 'web-1' })
  assert.deepEqual(storeActivity(store), { reads: 0, saves: 0, destroys: 0 })
})

test('GET /api/session is read-only: no store write, no Set-Cookie, data unchanged', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const before = await storedSession(store, sessionIdOf(sid))
  const activity = storeActivity(store)
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { authenticated: true, user: 'alice', node: 'web-1', cart: [] })
    assert.deepEqual(rawSetCookies(res), [])
    assert.equal(res.headers['cache-control'], 'no-store')
  }
  const after = storeActivity(store)
  assert.equal(after.reads, activity.reads + 3, 'one read per request')
  assert.equal(after.saves, activity.saves, 'no save')
  assert.equal(after.destroys, 0)
  assert.deepEqual(await storedSession(store, sessionIdOf(sid)), before)
})

test('GET /api/session answers JSON that follows every change of the session, however often it is read unchanged', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const read = async (): Promise<unknown> => {
    const res = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/)
    return res.json()
  }
  for (const item of ['tea', 'milk']) {
    const added = await app.inject({ method: 'POST', url: '/api/cart', headers: { cookie: cookieHeader({ sid }), 'content-type': 'application/json' }, payload: JSON.stringify({ item }) })
    assert.equal(added.statusCode, 200)
    const cart = item === 'tea' ? ['tea'] : ['tea', 'milk']
    for (let i = 0; i < 3; i++) assert.deepEqual(await read(), { authenticated: true, user: 'alice', node: 'web-1', cart })
  }
})

test('a session past its absolute lifetime is signed out', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const id = sessionIdOf(sid)
  // signed in 12 h ago, as the app's own absolute lifetime counts it
  await rewriteSession(store, id, (stored) => ({ ...stored, createdAt: Date.now() - 43_200_000 - 1 }))
  const res = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(res.statusCode, 401)
  const page = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(page.statusCode, 303)
  assert.equal(await storedSession(store, id), undefined, 'GET / removed it')
})

test('GET /api/session with a cookie that names no usable session: 401, the cookie cleared, nothing written', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const id = sessionIdOf(sid)
  const tampered = `${sid.slice(0, -2)}xx`
  const stored = await storedSession(store, id)
  assert.ok(stored)
  // a session saved with a cookie expiry already past, under an id of its own
  const expiredId = `${id.slice(0, -1)}e`
  await store.setSession(expiredId, { ...stored, cookie: { ...(stored.cookie as object), expires: new Date(Date.now() - 1000).toISOString() } })
  const held = await Promise.all(memcached.servers.map((s) => rawGet(s.port, sessionKey(expiredId, store.options.keyPrefix))))
  assert.ok(held.every((item) => item !== undefined), 'memcached holds it: only its expiry makes it no session')
  const activity = storeActivity(store)
  const cases: Array<[string, string, () => Promise<void>]> = [
    ['a bad signature', tampered, async () => {}],
    ['a session gone from the store', sid, async () => { await store.destroySession(id) }],
    ['a session whose cookie expired', new Signer([SECRET]).sign(expiredId), async () => {}]
  ]
  for (const [what, cookie, arrange] of cases) {
    await arrange()
    const res = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid: cookie }) } })
    assert.equal(res.statusCode, 401, what)
    assert.deepEqual(res.json(), { authenticated: false, node: 'web-1' }, what)
    const cleared = rawSetCookies(res)
    assert.equal(cleared.length, 1, `${what}: one Set-Cookie`)
    assert.match(cleared[0] as string, /^sid=; .*Expires=Thu, 01 Jan 1970/i, `${what}: the cookie is cleared`)
    assert.match(cleared[0] as string, /Path=\//, what)
  }
  const after = storeActivity(store)
  assert.equal(after.saves, activity.saves, 'a read-only route never writes')
  assert.equal(after.destroys, activity.destroys + 1, 'only the test\'s own destroy')
})
