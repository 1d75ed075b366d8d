import { test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import { startMemcached, stats } from '@stickless/test-support'
import { settledStoreFor, storeFor } from './helpers/fixtures.js'
import type { MemcachedStore } from '../src/index.js'

declare module 'fastify' {
  interface Session { user?: string, cart?: string[], at?: Date }
}

async function appWith (store: MemcachedStore): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fastifyCookie)
  await app.register(fastifySession, {
    secret: 'a-test-secret-that-is-at-least-32-characters-long',
    store,
    rolling: true,
    saveUninitialized: false,
    cookie: { secure: false, maxAge: 60_000 }
  })
  app.post('/login', async (req) => {
    await req.session.regenerate()
    req.session.user = 'alice'
    req.session.cart = []
    req.session.at = new Date('2026-01-01T00:00:00.000Z')
    return { ok: true }
  })
  app.get('/me', async (req) => ({ user: req.session.user ?? null, cart: req.session.cart ?? [], at: req.session.at instanceof Date }))
  app.post('/cart', async (req) => {
    req.session.cart = [...(req.session.cart ?? []), (req.body as { item: string }).item]
    return { cart: req.session.cart }
  })
  app.setErrorHandler((err, _req, reply) => reply.code((err as { statusCode?: number }).statusCode ?? 500).send({ code: (err as { code?: string }).code }))

  return app
}

function cookieOf (res: { cookies: Array<{ name: string, value: string }> }): string {
  const c = res.cookies.find((x) => x.name === 'sessionId')
  assert.ok(c, 'a session cookie')
  return `sessionId=${c.value}`
}

test('@fastify/session over the store: login, reads on other nodes, cart, Dates, no needless writes', async (tc) => {
  const servers = await startMemcached(tc, 2)
  // settled stores: no probe of theirs (the filled marker's add and set on
  // fresh servers) lands among the commands this test counts
  const node1 = await appWith(await settledStoreFor(tc, servers))
  const node2 = await appWith(await settledStoreFor(tc, servers))
  tc.after(() => Promise.all([node1.close(), node2.close()]))
  const login = await node1.inject({ method: 'POST', url: '/login' })
  const cookie = cookieOf(login)
  const me = await node2.inject({ url: '/me', headers: { cookie } })
  assert.deepEqual(me.json(), { user: 'alice', cart: [], at: true })
  const setsBefore = (await stats(servers[0]!.port)).get('cmd_set')
  for (let i = 0; i < 5; i++) {
    const r = await (i % 2 === 0 ? node1 : node2).inject({ url: '/me', headers: { cookie } })
    assert.equal(r.json().user, 'alice')
    assert.ok(r.cookies.length === 1, 'rolling: the cookie is renewed')
  }
  assert.equal((await stats(servers[0]!.port)).get('cmd_set'), setsBefore, 'reads wrote nothing')
  await node2.inject({ method: 'POST', url: '/cart', headers: { cookie }, payload: { item: 'tea' } })
  const after = await node1.inject({ url: '/me', headers: { cookie } })
  assert.deepEqual(after.json().cart, ['tea'])
})

test('concurrent cart adds on two nodes through @fastify/session keep both items', async (tc) => {
  const servers = await startMemcached(tc, 2)
  const node1 = await appWith(storeFor(tc, servers))
  const node2 = await appWith(storeFor(tc, servers))
  tc.after(() => Promise.all([node1.close(), node2.close()]))
  const cookie = cookieOf(await node1.inject({ method: 'POST', url: '/login' }))
  await Promise.all(Array.from({ length: 10 }, (_, i) =>
    (i % 2 === 0 ? node1 : node2).inject({ method: 'POST', url: '/cart', headers: { cookie }, payload: { item: `i${i}` } })))
  const cart = (await node1.inject({ url: '/me', headers: { cookie } })).json().cart as string[]
  assert.deepEqual([...cart].sort(), Array.from({ length: 10 }, (_, i) => `i${i}`).sort())
})

test('regenerate destroys the old id on every replica (fixation)', async (tc) => {
  const servers = await startMemcached(tc, 2)
  const store = storeFor(tc, servers)
  const app = await appWith(store)
  tc.after(() => app.close())
  const first = cookieOf(await app.inject({ method: 'POST', url: '/login' }))
  const second = cookieOf(await app.inject({ method: 'POST', url: '/login', headers: { cookie: first } }))
  assert.notEqual(first, second)
  assert.equal((await app.inject({ url: '/me', headers: { cookie: first } })).json().user, null)
  assert.equal((await app.inject({ url: '/me', headers: { cookie: second } })).json().user, 'alice')
})

test('with every server down a signed-in request fails with a 503 code, not a crash', async (tc) => {
  const servers = await startMemcached(tc, 2)
  const app = await appWith(storeFor(tc, servers))
  tc.after(() => app.close())
  const cookie = cookieOf(await app.inject({ method: 'POST', url: '/login' }))
  for (const s of servers) await s.kill()
  const r = await app.inject({ url: '/me', headers: { cookie } })
  assert.equal(r.statusCode, 503)
  assert.match(r.json().code, /^STK_ERR_/)
  const anonymous = await app.inject({ url: '/me' })
  assert.equal(anonymous.statusCode, 200)
})
