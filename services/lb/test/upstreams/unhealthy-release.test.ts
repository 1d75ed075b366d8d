import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { request, requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'
import { waitFor } from '@stickless/test-support'

test('a GET waiting on a node that stops answering is retried elsewhere once checks fail', async (t) => {
  const frozen = await startBackend(t, 'frozen')
  const good = await startBackend(t, 'good')
  const { url, lb } = await startLb(t, [{ name: 'frozen', url: frozen.url }, { name: 'good', url: good.url }], {
    healthTimeoutMs: 100,
    unhealthyThreshold: 1,
    proxyTimeoutMs: 10_000
  })
  frozen.frozen = true
  const pending = requestJson(`${url}/page`)
  await waitFor('the first attempt to reach the frozen node', () => frozen.seen.length === 1)
  await lb.checkHealth()
  const reply = await pending
  assert.equal(reply.status, 200)
  // a GET the proxy timeout ended would be a 504, not retried (timeouts.test.ts):
  // answered by the other node, it was released by the health verdict
  assert.equal(reply.json.node, 'good')
  const stats = lb.balancer.snapshot().find((u) => u.name === 'frozen')
  assert.equal(stats?.inFlight, 0)
  assert.equal(stats?.retries, 1)
})

test('a POST waiting on such a node is not re-sent; it ends at the proxy timeout with 504', async (t) => {
  const frozen = await startBackend(t, 'frozen')
  const good = await startBackend(t, 'good')
  const { url, lb } = await startLb(t, [{ name: 'frozen', url: frozen.url }, { name: 'good', url: good.url }], {
    healthTimeoutMs: 100,
    unhealthyThreshold: 1,
    proxyTimeoutMs: 400
  })
  frozen.frozen = true
  const pending = request(`${url}/api/cart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":"x"}' })
  await waitFor('the POST to reach the frozen node', () => frozen.seen.length === 1)
  await lb.checkHealth()
  const reply = await pending
  assert.equal(reply.status, 504)
  const body = JSON.parse(reply.body) as { code: string, message: string }
  assert.equal(body.code, 'STK_ERR_LB_UPSTREAM_TIMEOUT')
  assert.match(body.message, /frozen did not answer within 400 ms/)
  assert.equal(good.seen.length, 0)
})
