import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { request, requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

test('a host name that resolves to several addresses counts each address', async (t) => {
  const first = await startBackend(t, 'web@127.0.0.1', { host: '127.0.0.1' })
  // Same port on a second loopback address, as two containers behind one name.
  const second = await startBackend(t, 'web@127.0.0.2', { host: '127.0.0.2', port: first.port })
  let answer = ['127.0.0.1', '127.0.0.2']
  const { url, lb } = await startLb(t, [{ name: 'web', url: `http://web.test:${first.port}` }], {}, {
    resolveHost: (hostname) => {
      assert.equal(hostname, 'web.test')
      return Promise.resolve(answer)
    }
  })
  assert.deepEqual(lb.balancer.list().map((u) => u.name), ['web/127.0.0.1', 'web/127.0.0.2'])
  const nodes = new Set<string>()
  for (let i = 0; i < 4; i++) nodes.add((await requestJson(`${url}/`)).json.node)
  assert.deepEqual([...nodes].sort(), ['web@127.0.0.1', 'web@127.0.0.2'])

  // Re-resolution: an address goes away; the one that stays keeps its counters.
  answer = ['127.0.0.2']
  const diff = await lb.refreshUpstreams()
  assert.deepEqual(diff.removed.map((u) => u.url), [`http://127.0.0.1:${first.port}`])
  assert.deepEqual(diff.kept.map((u) => u.url), [`http://127.0.0.2:${first.port}`])
  const kept = lb.balancer.snapshot()
  assert.equal(kept.length, 1)
  assert.equal(kept[0]?.name, 'web', 'one address left: the plain name')
  assert.equal(kept[0]?.requests, 2)
  assert.equal(second.seen.length, 2)
})

test('a failed lookup keeps the last known addresses', async (t) => {
  const backend = await startBackend(t, 'web-1')
  let fail = false
  const { lb, url } = await startLb(t, [{ name: 'web-1', url: `http://web.test:${backend.port}` }], {}, {
    resolveHost: () => fail ? Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND web.test'), { code: 'ENOTFOUND' })) : Promise.resolve(['127.0.0.1'])
  })
  fail = true
  await lb.refreshUpstreams()
  assert.equal(lb.balancer.size, 1)
  assert.equal((await requestJson(`${url}/`)).status, 200)
})

test('a name that never resolved yields no upstream, and requests get 503', async (t) => {
  const { lb, url } = await startLb(t, [{ name: 'ghost', url: 'http://ghost.test:3000' }], {}, {
    resolveHost: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND ghost.test'), { code: 'ENOTFOUND' }))
  })
  assert.equal(lb.balancer.size, 0)
  assert.equal((await request(`${url}/`)).status, 503)
})
