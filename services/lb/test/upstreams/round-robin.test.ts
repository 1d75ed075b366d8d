import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { request, requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

test('requests go round robin across three backends, in order', async (t) => {
  const backends = await Promise.all(['web-1', 'web-2', 'web-3'].map((name) => startBackend(t, name)))
  const { url } = await startLb(t, backends.map((b) => ({ name: b.name, url: b.url })))

  const servedBy: string[] = []
  for (let i = 0; i < 9; i++) {
    const reply = await requestJson(`${url}/page?i=${i}`)
    assert.equal(reply.status, 200)
    servedBy.push(String(reply.headers['x-served-by']))
  }
  assert.deepEqual(servedBy, ['web-1', 'web-2', 'web-3', 'web-1', 'web-2', 'web-3', 'web-1', 'web-2', 'web-3'])
  for (const backend of backends) assert.equal(backend.seen.length, 3)
})

test('the path and query reach the backend unchanged', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const reply = await requestJson(`${url}/api/session?x=1&y=%20z`)
  assert.equal(reply.json.url, '/api/session?x=1&y=%20z')
})

test('x-served-by and other response headers pass through untouched', async (t) => {
  const backend = await startBackend(t, 'web-2', {
    handler: (_req, res) => {
      res.setHeader('x-served-by', 'web-2')
      res.setHeader('set-cookie', ['a=1; Path=/; HttpOnly', 'b=2; Path=/'])
      res.setHeader('cache-control', 'no-store')
      res.writeHead(201).end('created')
    }
  })
  const { url } = await startLb(t, [{ name: 'web-2', url: backend.url }])
  const reply = await request(`${url}/`)
  assert.equal(reply.status, 201)
  assert.equal(reply.headers['x-served-by'], 'web-2')
  assert.deepEqual(reply.headers['set-cookie'], ['a=1; Path=/; HttpOnly', 'b=2; Path=/'])
  assert.equal(reply.headers['cache-control'], 'no-store')
  assert.equal(reply.body, 'created')
})
