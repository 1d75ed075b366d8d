import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cookieHeader, sessionIdOf, signIn } from './helpers/test-app.js'
import type { NodesSnapshot } from '../src/nodes-status.js'
import { memcachedPerFile, storedSession } from './helpers/real-store.js'

const memcached = memcachedPerFile()

test('GET / without a session: 303 to /login', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const res = await app.inject('/')
  assert.equal(res.statusCode, 303)
  assert.equal(res.headers.location, '/login')
})

test('GET / shows the user, the serving node and appends a hop per request (last 10)', async (t) => {
  const { app, store } = buildTestApp(t, memcached)
  // another node: a store of its own over the same servers and key prefix
  const web2 = buildTestApp(t, memcached, { env: { NODE_NAME: 'web-2' }, storeOptions: { keyPrefix: store.options.keyPrefix } }).app
  const sid = await signIn(app)
  for (let i = 0; i < 12; i++) {
    const res = await (i % 2 === 0 ? app : web2).inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['x-served-by'], i % 2 === 0 ? 'web-1' : 'web-2')
  }
  const hops = (await storedSession(store, sessionIdOf(sid)))?.hops as Array<{ node: string, at: string }>
  assert.equal(hops.length, 10)
  assert.equal(hops.at(-1)?.node, 'web-2')
  assert.ok(!Number.isNaN(Date.parse(hops.at(-1)?.at ?? '')))
  const page = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.match(page.body, /Hello, alice/)
  assert.match(page.body, /class="big" style="background:#2563eb">web-1</)
  assert.match(page.body, /action="\/logout"/)
  assert.match(page.body, /id="cart-form"/)
})

test('user-controlled text is HTML-escaped on the dashboard', async (t) => {
  const nodes = { snapshot: async (): Promise<NodesSnapshot> => ({ reachable: true, nodes: [{ name: '<img src=x onerror=alert(1)>', state: 'up' }] }) }
  const { app } = buildTestApp(t, memcached, { nodes })
  const sid = await signIn(app)
  const xss = '<script>alert("x")</script>'
  await app.inject({ method: 'POST', url: '/api/cart', headers: { cookie: cookieHeader({ sid }), 'content-type': 'application/json' }, payload: JSON.stringify({ item: xss }) })
  const page = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.ok(!page.body.includes(xss))
  assert.ok(page.body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'))
  assert.ok(!page.body.includes('<img src=x'))
})

test('the cluster panel lists web nodes from the LB and memcached servers from the store', async (t) => {
  const nodes = { snapshot: async (): Promise<NodesSnapshot> => ({ reachable: true, nodes: [{ name: 'web-1', state: 'up' }, { name: 'web-2', state: 'down' }] }) }
  const { app } = buildTestApp(t, memcached, { nodes })
  const sid = await signIn(app)
  const page = await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }) } })
  assert.match(page.body, /web-2<\/span><\/span><span><span class="dot down"><\/span>down/)
  for (const server of memcached.servers) assert.ok(page.body.includes(`${server.address}</code><span><span class="dot up">`), server.address)
})
