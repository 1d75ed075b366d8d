import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend, type BackendHandler } from '../helpers/fake-backend.js'
import { request, requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

// Reads the request, then resets the connection without a byte of answer.
const resetBeforeAnswer: BackendHandler = (req) => { req.socket.resetAndDestroy() }

test('a backend that resets a GET before answering is retried on another', async (t) => {
  const flaky = await startBackend(t, 'flaky', { handler: resetBeforeAnswer })
  const good = await startBackend(t, 'good')
  const { url, lb } = await startLb(t, [{ name: 'flaky', url: flaky.url }, { name: 'good', url: good.url }])

  const reply = await requestJson(`${url}/page`)
  assert.equal(reply.status, 200)
  assert.equal(reply.json.node, 'good')
  assert.equal(flaky.seen.length, 1, 'the flaky backend did get the request')
  assert.equal(lb.totals.retries, 1)
  // A reset after connecting is not a connect failure: no ejection.
  assert.equal(lb.balancer.state(flaky.url), 'healthy')
})

test('PUT and DELETE are idempotent and retried too', async (t) => {
  const flaky = await startBackend(t, 'flaky', { handler: resetBeforeAnswer })
  const good = await startBackend(t, 'good')
  const { url } = await startLb(t, [{ name: 'flaky', url: flaky.url }, { name: 'good', url: good.url }])
  for (const method of ['PUT', 'DELETE']) {
    // Round robin alternates, so send two to be sure one lands on the flaky one first.
    for (let i = 0; i < 2; i++) {
      const reply = await requestJson(`${url}/thing`, { method, body: 'x' })
      assert.equal(reply.status, 200, method)
      assert.equal(reply.json.node, 'good')
    }
  }
})

test('a POST reset after it reached the backend is not retried: 502', async (t) => {
  const flaky = await startBackend(t, 'flaky', { handler: resetBeforeAnswer })
  const good = await startBackend(t, 'good')
  const { url } = await startLb(t, [{ name: 'flaky', url: flaky.url }, { name: 'good', url: good.url }])

  const reply = await request(`${url}/api/cart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":"x"}' })
  assert.equal(reply.status, 502)
  const body = JSON.parse(reply.body) as { code: string, statusCode: number, message: string }
  assert.equal(body.code, 'STK_ERR_LB_BAD_GATEWAY')
  assert.equal(body.statusCode, 502)
  assert.match(body.message, /flaky/)
  assert.equal(good.seen.length, 0, 'a POST that may have been processed is never sent twice')
})

test('retries are capped at maxAttempts', async (t) => {
  const backends = await Promise.all(['a', 'b', 'c', 'd'].map((name) => startBackend(t, name, { handler: resetBeforeAnswer })))
  const { url, lb } = await startLb(t, backends.map((b) => ({ name: b.name, url: b.url })), { maxAttempts: 3 })
  const reply = await request(`${url}/page`)
  assert.equal(reply.status, 502)
  assert.equal(backends.reduce((sum, b) => sum + b.seen.length, 0), 3)
  assert.equal(lb.totals.retries, 2)
})
