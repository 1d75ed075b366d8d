import assert from 'node:assert/strict'
import { test } from 'node:test'
import vm from 'node:vm'
import { pollUntil } from '@stickless/test-support'
import { startBackend } from '../helpers/fake-backend.js'
import { request, requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'
import { renderStatus, type StatusReport } from '../../src/index.js'

test('status.json carries each node\'s samples and the events of a kill: ejected with its reason, retries, the dip', async (t) => {
  // The harness turns the LB's own sampler off: the test takes exactly the two
  // samples it asserts on (lb.sampleTraffic), however long it runs.
  const backends = await Promise.all(['web-1', 'web-2', 'web-3'].map((name) => startBackend(t, name)))
  const { url, adminUrl, lb } = await startLb(t, backends.map((b) => ({ name: b.name, url: b.url })))
  for (let i = 0; i < 9; i++) assert.equal((await requestJson(`${url}/before?i=${i}`)).status, 200)
  lb.sampleTraffic()
  await backends[1]?.kill()
  for (let i = 0; i < 9; i++) assert.equal((await requestJson(`${url}/after?i=${i}`)).status, 200)
  lb.sampleTraffic()

  const report = JSON.parse((await request(`${adminUrl}/status.json`)).body) as StatusReport
  assert.deepEqual(report.history, { intervalMs: 0, samples: 300 }, 'no sampling on a timer, 300 samples kept')
  const [web1, web2] = report.upstreams
  assert.ok(web1 !== undefined && web2 !== undefined)
  assert.equal(web2.history.at.length, 2)
  assert.deepEqual(web2.history.state, ['healthy', 'ejected'])
  assert.ok((web2.history.requestsPerSecond[0] ?? 0) > 0, 'web-2 served before the kill')
  // After the kill web-2 only saw the one attempt that found it dead.
  assert.deepEqual(web2.history.errors.slice(1), [1])
  assert.deepEqual(web2.history.retries.slice(1), [1])
  assert.equal(web2.history.p99Ms[1], null)
  assert.equal(web1.history.at.length, 2)
  assert.equal(typeof web1.history.p99Ms[1], 'number')

  const kinds = report.events.map((e) => `${e.upstream} ${e.kind}`)
  assert.deepEqual(kinds.slice(-3), ['web-3 added', 'web-2 added', 'web-1 added'])
  const ejected = report.events.find((e) => e.upstream === 'web-2' && e.kind === 'ejected')
  assert.match(ejected?.reason ?? '', /^a request could not connect \(ECONNREFUSED\); out for up to 10 s$/)
  assert.ok(Date.parse(ejected?.at ?? '') <= Date.parse(report.generatedAt))
  const retry = report.events.find((e) => e.upstream === 'web-2' && e.kind === 'retry')
  assert.equal(retry?.reason, 'connect-failure (ECONNREFUSED)')
  assert.equal(retry?.count, 1)

  // Health checks then find it down for good, and the timeline says so.
  await lb.checkHealth()
  await lb.checkHealth()
  const after = JSON.parse((await request(`${adminUrl}/status.json`)).body) as StatusReport
  const unhealthy = after.events[0]
  assert.equal(unhealthy?.kind, 'unhealthy')
  assert.match(unhealthy?.reason ?? '', /^2 health checks failed in a row \(last: ECONNREFUSED\)$/)
})

test('the sampler takes a sample every historyIntervalMs, and status.json says how often', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url, adminUrl } = await startLb(t, [{ name: 'web-1', url: backend.url }], { historyIntervalMs: 50 })
  await requestJson(`${url}/`)
  const sampled = async (): Promise<StatusReport | undefined> => {
    const report = JSON.parse((await request(`${adminUrl}/status.json`)).body) as StatusReport
    return (report.upstreams[0]?.history.at.length ?? 0) >= 3 ? report : undefined
  }
  const report = await pollUntil(sampled, { what: 'three samples of web-1', timeoutMs: 10_000 })
  assert.deepEqual(report.history, { intervalMs: 50, samples: 300 })
  const at = report.upstreams[0]?.history.at ?? []
  assert.ok(at.every((time, i) => i === 0 || time > (at[i - 1] ?? 0)), 'one sample after the other')
  assert.deepEqual(report.upstreams[0]?.history.state.slice(0, 3), ['healthy', 'healthy', 'healthy'])
})

test('a draining node and its return are on the timeline with the check that moved it', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { adminUrl, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  backend.healthStatus = 503
  await lb.checkHealth()
  backend.healthStatus = 200
  await lb.checkHealth()
  await lb.checkHealth()
  const report = JSON.parse((await request(`${adminUrl}/status.json`)).body) as StatusReport
  assert.deepEqual(report.events.slice(0, 2).map((e) => [e.kind, e.reason]), [
    ['healthy', '2 health checks passed in a row (HTTP 200)'],
    ['draining', '/healthz answered HTTP 503: the node is draining']
  ])
})

test('GET /status is rendered on the server: nodes, states, charts and events without any script', async (t) => {
  const backends = await Promise.all(['web-1', 'web-2'].map((name) => startBackend(t, name)))
  const { url, adminUrl, lb } = await startLb(t, backends.map((b) => ({ name: b.name, url: b.url })))
  for (let i = 0; i < 4; i++) await requestJson(`${url}/`)
  lb.sampleTraffic()
  await backends[0]?.kill()
  for (let i = 0; i < 4; i++) await requestJson(`${url}/`)
  lb.sampleTraffic()

  const page = (await request(`${adminUrl}/status`)).body
  // What a browser without JavaScript shows: everything before the script.
  const html = page.slice(0, page.indexOf('<script>'))
  assert.match(html, /<tr data-node="web-1" data-state="ejected"><td><b>web-1<\/b><\/td>/)
  assert.match(html, /<tr data-node="web-2" data-state="healthy"><td><b>web-2<\/b><\/td>/)
  assert.match(html, /<span class="pill ejected">ejected<\/span>/)
  assert.equal(html.match(/<section class="node"/g)?.length, 2)
  assert.match(html, /<svg viewBox="0 0 360 150" role="img" aria-label="web-1: requests per second and p99 latency/)
  assert.match(html, /<path class="rate" d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+"\/>/)
  assert.match(html, /<rect class="band ejected"/)
  assert.match(html, /<tr class="event ejected" data-node="web-1" data-kind="ejected" data-at="[^"]+">.*a request could not connect \(ECONNREFUSED\)/)
  assert.match(html, /<noscript><meta http-equiv="refresh" content="5"><\/noscript>/)
  assert.doesNotMatch(html, /loading/)
  // No external assets: nothing is fetched but status.json.
  assert.doesNotMatch(page, /\b(src|href)="(https?:)?\/\//)
})

test('renderStatus is self-contained, so the page can run its source as is', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url, adminUrl, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  await requestJson(`${url}/`)
  lb.sampleTraffic()
  const report = JSON.parse((await request(`${adminUrl}/status.json`)).body) as StatusReport
  // A fresh context has none of this module's scope, as a browser page has not.
  const inPage = vm.runInNewContext(`(${renderStatus.toString()})`) as typeof renderStatus
  assert.deepEqual({ ...inPage(report) }, { ...renderStatus(report) })
  const page = (await request(`${adminUrl}/status`)).body
  assert.ok(page.includes(`var renderStatus = ${renderStatus.toString()};`))
})

test('the events shown on the page are escaped', () => {
  const report: StatusReport = {
    service: 'stickless-lb',
    generatedAt: '2026-11-29T21:00:10.000Z',
    uptimeSeconds: 10,
    totals: { requests: 0, inFlight: 0, retries: 0, noHealthyBackend: 0, lbErrors: 0, upgradedSockets: 0 },
    history: { intervalMs: 1000, samples: 300 },
    upstreams: [],
    events: [{ at: '2026-11-29T21:00:05.000Z', lastAt: '2026-11-29T21:00:07.000Z', upstreamId: 'x', upstream: '<b>x</b>', kind: 'retry', reason: '<script>', count: 3 }]
  }
  const view = renderStatus(report)
  assert.match(view.events, /21:00:05 to 21:00:07 <span class="muted">\(5 s ago\)<\/span>/)
  assert.match(view.events, /&lt;b&gt;x&lt;\/b&gt;/)
  assert.match(view.events, /retry &times;3/)
  assert.match(view.events, /&lt;script&gt;/)
})
