import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cookieHeader, rawSetCookies, sessionIdOf, signIn } from './helpers.js'

test('GET /api/session: 401 {authenticated:false,node} when not signed in', async (t) => {
  const { app, store } = buildTestApp()
  t.after(() => app.close())
  const res = await app.inject('/api/session')
  assert.equal(res.statusCode, 401)
  assert.deepEqual(res.json(), { authenticated: false, node: 'web-1' })
  assert.equal(store.calls.set, 0)
})

test('GET /api/session is read-only: no store write, no Set-Cookie, data unchanged', async (t) => {
  const { app, store } = buildTestApp()
  t.after(() => app.close())
  const sid = await signIn(app)
  const before = store.sessions.get(sessionIdOf(sid))
  const writes = store.calls.set
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { authenticated: true, user: 'alice', node: 'web-1', cart: [] })
    assert.deepEqual(rawSetCookies(res), [])
    assert.equal(res.headers['cache-control'], 'no-store')
  }
  assert.equal(store.calls.set, writes)
  assert.equal(store.calls.destroy, 0)
  assert.equal(store.sessions.get(sessionIdOf(sid)), before)
})

test('a session past its absolute lifetime is signed out', async (t) => {
  const { app, store } = buildTestApp()
  t.after(() => app.close())
  const sid = await signIn(app)
  const id = sessionIdOf(sid)
  const stored = store.read(id)
  assert.ok(stored)
  stored.createdAt = Date.now() - 43_200_000 - 1
  store.sessions.set(id, JSON.stringify(stored))
  const res = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(res.statusCode, 401)
  const page = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(page.statusCode, 303)
  assert.equal(store.read(id), undefined, 'GET / removed it')
})

test('GET /api/session with a cookie that names no usable session: 401, the cookie cleared, nothing written', async (t) => {
  const { app, store } = buildTestApp()
  t.after(() => app.close())
  const sid = await signIn(app)
  const id = sessionIdOf(sid)
  const tampered = `${sid.slice(0, -2)}xx`
  const stored = store.read(id)
  assert.ok(stored)
  const writes = store.calls.set
  const cases: Array<[string, string, () => void]> = [
    ['a bad signature', tampered, () => {}],
    ['a session gone from the store', sid, () => { store.sessions.delete(id) }],
    ['a session whose cookie expired', sid, () => {
      store.sessions.set(id, JSON.stringify({ ...stored, cookie: { ...(stored.cookie as object), expires: new Date(Date.now() - 1000).toISOString() } }))
    }]
  ]
  for (const [what, cookie, arrange] of cases) {
    arrange()
    const res = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid: cookie }) } })
    assert.equal(res.statusCode, 401, what)
    assert.deepEqual(res.json(), { authenticated: false, node: 'web-1' }, what)
    const cleared = rawSetCookies(res)
    assert.equal(cleared.length, 1, `${what}: one Set-Cookie`)
    assert.match(cleared[0] as string, /^sid=; .*Expires=Thu, 01 Jan 1970/i, `${what}: the cookie is cleared`)
    assert.match(cleared[0] as string, /Path=\//, what)
  }
  assert.equal(store.calls.set, writes, 'a read-only route never writes')
  assert.equal(store.calls.destroy, 0)
})
