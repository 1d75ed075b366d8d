import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { request, requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'
import { waitFor } from '@stickless/test-support'

test('a 503 from /healthz drains a node at once; it rejoins after passing checks', async (t) => {
  const backends = await Promise.all(['web-1', 'web-2', 'web-3'].map((name) => startBackend(t, name)))
  const { url, adminUrl, lb } = await startLb(t, backends.map((b) => ({ name: b.name, url: b.url })), { healthyThreshold: 2 })
  const web2 = backends[1]
  assert.ok(web2 !== undefined)

  web2.healthStatus = 503
  await lb.checkHealth()
  assert.equal(lb.balancer.state(web2.url), 'draining')
  const before = web2.seen.length
  for (let i = 0; i < 6; i++) assert.equal((await requestJson(`${url}/`)).status, 200)
  assert.equal(web2.seen.length, before, 'a draining node gets no new requests')

  const status = JSON.parse((await request(`${adminUrl}/status.json`)).body) as { upstreams: Array<{ name: string, state: string, inRotation: boolean }> }
  assert.deepEqual(status.upstreams.map((u) => [u.name, u.state, u.inRotation]), [
    ['web-1', 'healthy', true],
    ['web-2', 'draining', false],
    ['web-3', 'healthy', true]
  ], 'status.json says which node drains and that it is out of rotation')

  web2.healthStatus = 200
  await lb.checkHealth()
  assert.equal(lb.balancer.state(web2.url), 'draining', 'one pass is not enough')
  await lb.checkHealth()
  assert.equal(lb.balancer.state(web2.url), 'healthy')
  for (let i = 0; i < 3; i++) await requestJson(`${url}/`)
  assert.ok(web2.seen.length > before, 'back in rotation')
})

test('periodic checks take a dead node out and bring it back when it returns', async (t) => {
  const stable = await startBackend(t, 'stable')
  const bouncing = await startBackend(t, 'bouncing')
  const { lb } = await startLb(t, [{ name: 'stable', url: stable.url }, { name: 'bouncing', url: bouncing.url }], {
    healthIntervalMs: 20,
    healthTimeoutMs: 200,
    healthyThreshold: 1,
    unhealthyThreshold: 1
  })
  await bouncing.kill()
  await waitFor('the dead node to be taken out', () => lb.balancer.state(bouncing.url) === 'unhealthy')
  // Same port again, as a restarted node would.
  await startBackend(t, 'bouncing', { port: bouncing.port })
  await waitFor('the restarted node to rejoin', () => lb.balancer.state(bouncing.url) === 'healthy')
})
