import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { request, requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'
import type { StatusReport } from '../../src/index.js'

test('GET /status.json reports every node with state, counters and latency', async (t) => {
  const backends = await Promise.all(['web-1', 'web-2'].map((name) => startBackend(t, name)))
  const { url, adminUrl } = await startLb(t, backends.map((b) => ({ name: b.name, url: b.url })))
  for (let i = 0; i < 4; i++) await requestJson(`${url}/`)

  const reply = await request(`${adminUrl}/status.json`)
  assert.equal(reply.status, 200)
  assert.match(reply.headers['content-type'] ?? '', /application\/json/)
  assert.equal(reply.headers['cache-control'], 'no-store')
  const report = JSON.parse(reply.body) as StatusReport
  assert.equal(report.service, 'stickless-lb')
  assert.equal(report.totals.requests, 4)
  assert.equal(report.totals.inFlight, 0)
  assert.deepEqual(report.upstreams.map((u) => u.name), ['web-1', 'web-2'])
  for (const upstream of report.upstreams) {
    assert.equal(upstream.state, 'healthy')
    assert.equal(upstream.inRotation, true)
    assert.equal(upstream.requests, 2)
    assert.equal(upstream.errors, 0)
    assert.equal(typeof upstream.p50Ms, 'number')
    assert.equal(typeof upstream.p99Ms, 'number')
    assert.equal(upstream.lastCheck?.result, 'pass')
    assert.ok(upstream.url.startsWith('http://127.0.0.1:'))
  }
})

test('GET /metrics serves Prometheus text with requests, retries, ejections, health and latency', async (t) => {
  const backends = await Promise.all(['web-1', 'web-2'].map((name) => startBackend(t, name)))
  const { url, adminUrl } = await startLb(t, backends.map((b) => ({ name: b.name, url: b.url })))
  await requestJson(`${url}/`)
  await backends[1]?.kill()
  await requestJson(`${url}/`)

  const reply = await request(`${adminUrl}/metrics`)
  assert.equal(reply.status, 200)
  assert.match(reply.headers['content-type'] ?? '', /text\/plain; version=0\.0\.4/)
  const text = reply.body
  assert.match(text, /^lb_requests_total\{upstream="web-1",status="200"\} 2$/m)
  assert.match(text, /^lb_retries_total\{upstream="web-2",reason="connect-failure"\} 1$/m)
  assert.match(text, /^lb_upstream_ejections_total\{upstream="web-2",reason="connect"\} 1$/m)
  assert.match(text, /^lb_upstream_healthy\{upstream="web-1",url="http:\/\/127\.0\.0\.1:\d+"\} 1$/m)
  assert.match(text, /^lb_upstream_healthy\{upstream="web-2",url="[^"]+"\} 0$/m)
  assert.match(text, /^lb_upstream_state\{upstream="web-2",state="ejected"\} 1$/m)
  assert.match(text, /^lb_upstream_response_duration_seconds_count\{upstream="web-1"\} 2$/m)
  assert.match(text, /^lb_upstream_in_flight\{upstream="web-1"\} 0$/m)
})

test('GET /status is an auto-refreshing HTML page fed by status.json', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { adminUrl } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const page = await request(`${adminUrl}/status`)
  assert.equal(page.status, 200)
  assert.match(page.headers['content-type'] ?? '', /text\/html/)
  assert.match(page.body, /<title>stickless LB status<\/title>/)
  assert.match(page.body, /fetch\('status\.json'/)
  assert.match(page.body, /setTimeout\(poll, 1000\)/)
  const root = await request(`${adminUrl}/`)
  assert.equal(root.status, 302)
  assert.equal(root.headers.location, '/status')
})

test('the admin server answers 404 for unknown routes and 405 for other methods', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { adminUrl } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const missing = await request(`${adminUrl}/nope`, { headers: { accept: 'application/json' } })
  assert.equal(missing.status, 404)
  assert.equal((JSON.parse(missing.body) as { code: string }).code, 'STK_ERR_LB_NOT_FOUND')
  const post = await request(`${adminUrl}/status.json`, { method: 'POST', body: '' })
  assert.equal(post.status, 405)
  assert.equal(post.headers.allow, 'GET, HEAD')
  const health = await request(`${adminUrl}/healthz`)
  assert.deepEqual(JSON.parse(health.body), { status: 'ok', inRotation: 1 })
})

test('the admin server listens on loopback by default', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { addresses, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  assert.equal(lb.options.adminHost, '127.0.0.1')
  assert.equal(addresses.admin.address, '127.0.0.1')
})
