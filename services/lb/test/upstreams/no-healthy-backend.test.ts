import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { request } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

test('all backends down: 503 with a clear message, JSON for /api and an HTML page elsewhere', async (t) => {
  const backends = await Promise.all(['web-1', 'web-2', 'web-3'].map((name) => startBackend(t, name)))
  const { url, lb } = await startLb(t, backends.map((b) => ({ name: b.name, url: b.url })))
  for (const backend of backends) await backend.kill()

  const api = await request(`${url}/api/session`)
  assert.equal(api.status, 503)
  assert.match(api.headers['content-type'] ?? '', /application\/json/)
  assert.equal(api.headers['retry-after'], '1')
  assert.ok(api.headers['x-request-id'] !== undefined)
  const body = JSON.parse(api.body) as Record<string, unknown>
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'requestId', 'statusCode'])
  assert.equal(body.statusCode, 503)
  assert.equal(body.code, 'STK_ERR_LB_NO_HEALTHY_BACKEND')
  assert.equal(body.error, 'Service Unavailable')
  assert.match(String(body.message), /No healthy backend/)
  assert.equal(lb.balancer.availableCount(), 0, 'every refused backend was ejected')

  // With nothing in rotation the answer comes at once, without trying anyone.
  const page = await request(`${url}/`)
  assert.equal(page.status, 503)
  assert.match(page.headers['content-type'] ?? '', /text\/html/)
  assert.match(page.body, /<title>503 Service Unavailable · stickless<\/title>[^]*<p>No healthy backend/)
  assert.equal(lb.totals.noHealthyBackend, 2)
})

test('a JSON Accept header gets JSON outside /api too; HEAD gets no body', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  await backend.kill()
  const json = await request(`${url}/`, { headers: { accept: 'application/json' } })
  assert.equal((JSON.parse(json.body) as { code: string }).code, 'STK_ERR_LB_NO_HEALTHY_BACKEND')
  const head = await request(`${url}/`, { method: 'HEAD' })
  assert.equal(head.status, 503)
  assert.equal(head.body, '')
})

test('the LB\'s HTML error page escapes what it shows and carries its code and request id', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: backend.name, url: backend.url }])
  await backend.kill()
  const page = await request(`${url}/<script>`, { headers: { 'x-request-id': '<b>id</b>' } })
  assert.equal(page.status, 503)
  assert.match(page.headers['content-type'] ?? '', /^text\/html; charset=utf-8/)
  assert.doesNotMatch(page.body, /<b>id<\/b>|<script>/)
  assert.match(page.body, /code <code>STK_ERR_LB_NO_HEALTHY_BACKEND<\/code>/)
  assert.match(page.body, /request id <code>&lt;b&gt;id&lt;\/b&gt;<\/code>/)
})
