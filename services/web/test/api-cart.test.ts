import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cookieHeader, signIn } from './helpers/test-app.js'
import type { FastifyInstance } from 'fastify'
import { memcachedPerFile } from './helpers/real-store.js'

const memcached = memcachedPerFile()

function addItem (app: FastifyInstance, sid: string | undefined, payload: unknown, type = 'application/json') {
  return app.inject({
    method: 'POST',
    url: '/api/cart',
    headers: { 'content-type': type, cookie: cookieHeader({ sid }) },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload)
  })
}

test('POST /api/cart appends the item and the next request sees it, from any node', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  // another node: a store of its own over the same servers and key prefix
  const other = buildTestApp(t, memcached, { env: { NODE_NAME: 'web-2' }, storeOptions: { keyPrefix: store.options.keyPrefix } }).app
  const sid = await signIn(app)
  const first = await addItem(app, sid, { item: 'tea' })
  assert.equal(first.statusCode, 200)
  assert.deepEqual(first.json(), { cart: ['tea'] })
  const second = await addItem(other, sid, { item: 'Crème brûlée 🍮' })
  assert.deepEqual(second.json(), { cart: ['tea', 'Crème brûlée 🍮'] })
  const session = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
  assert.deepEqual(session.json().cart, ['tea', 'Crème brûlée 🍮'])
})

test('POST /api/cart tells the store a write follows its read; a read-only route does not', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  const announced: string[] = []
  const expectWrite = store.expectWrite.bind(store)
  store.expectWrite = (id: string) => {
    announced.push(id)
    expectWrite(id)
  }
  const sid = await signIn(app)
  await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
  assert.deepEqual(announced, [], 'GET /api/session only reads')
  const res = await addItem(app, sid, { item: 'tea' })
  assert.equal(res.statusCode, 200)
  assert.equal(announced.length, 1)
  assert.ok(sid.startsWith(`${announced[0] ?? 'none'}.`), 'the id the cookie names')
})

test('POST /api/cart: 401 when not signed in', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const res = await addItem(app, undefined, { item: 'tea' })
  assert.equal(res.statusCode, 401)
  assert.equal(res.json().code, 'STK_ERR_WEB_UNAUTHENTICATED')
})

test('POST /api/cart: 400 unless the item is 1 to 100 printable characters', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  for (const body of [{}, { item: '' }, { item: 'x'.repeat(101) }, { item: 42 }, { item: ['a'] }, { item: 'a\nb' }, { item: 'tab\there' }, { item: '\u0000' }, { item: '\ud800' }, [], '"tea"']) {
    const res = await addItem(app, sid, body)
    assert.equal(res.statusCode, 400, JSON.stringify(body))
    assert.equal(res.json().code, 'STK_ERR_WEB_INVALID_CART_ITEM')
  }
  const max = await addItem(app, sid, { item: 'é'.repeat(100) })
  assert.equal(max.statusCode, 200, '100 characters are fine')
})

test('POST /api/cart: 415 for anything but JSON', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const res = await addItem(app, sid, 'item=tea', 'application/x-www-form-urlencoded')
  assert.equal(res.statusCode, 415)
})

test('a cart holds 100 items; the 101st answers 409', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  for (let i = 1; i <= 100; i++) {
    const res = await addItem(app, sid, { item: `item ${i}` })
    assert.equal(res.statusCode, 200)
  }
  const full = await addItem(app, sid, { item: 'one too many' })
  assert.equal(full.statusCode, 409)
  assert.equal(full.json().code, 'STK_ERR_WEB_CART_FULL')
  const session = await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })
  assert.equal(session.json().cart.length, 100)
})
