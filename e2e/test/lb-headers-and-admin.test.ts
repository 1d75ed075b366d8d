// The LB owns X-Forwarded-*: a client's forged values are overwritten, so a
// node never believes them (no Secure cookie from a forged https, no spoofed
// address or host). It keeps or sets x-request-id, answers on its admin port,
// and says 503 clearly when no web node is left.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ALICE, BOB, apiSignIn } from './helpers/accounts.js'
import { assertApiError } from './helpers/assertions.js'
import { logsOf, useCluster } from './helpers/cluster-fixture.js'
import { HttpClient, jsonOf, summarize } from './helpers/http-client.js'
import { nodeRequest } from './helpers/raw-http.js'
import { findSetCookie } from './helpers/set-cookie.js'
import { metricValue } from '@stickless/scripts/cluster'
import { pollUntil } from '@stickless/test-support'

// The nodes log one line per request only with ACCESS_LOG=on.
const cluster = useCluster({ webEnv: { ACCESS_LOG: 'on' } })

const FORGED = {
  'x-forwarded-for': '203.0.113.9',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-port': '443',
  forwarded: 'for=203.0.113.9;proto=https;host=evil.example',
  'x-real-ip': '203.0.113.9'
} as const

interface RequestLog {
  reqId?: string
  msg?: string
  req?: { host?: string, remoteAddress?: string, url?: string }
}

/** The web node's access log line for a request id (the node logs what it believed). */
async function incomingRequestLog (node: string, requestId: string): Promise<RequestLog> {
  return await pollUntil(async () => {
    for (const line of cluster.logs(node)) {
      if (!line.includes(requestId)) continue
      try {
        const entry = JSON.parse(line) as RequestLog
        if (entry.reqId === requestId && entry.req !== undefined) return entry
      } catch { /* not a JSON line */ }
    }
    return undefined
  }, { timeoutMs: 5_000, intervalMs: 100, what: `${node}'s log line for request ${requestId}` })
}

test('forged X-Forwarded-* headers are overwritten: the node sees the LB\'s truth, and no Secure cookie over http', { timeout: 30_000 }, async () => {
  const lbHost = `127.0.0.1:${cluster.port('lb')}`
  const requestId = 'e2e-forged-headers-1'
  const login = await nodeRequest(cluster.lbUrl('/api/login'), {
    method: 'POST',
    headers: { ...FORGED, host: lbHost, 'x-request-id': requestId, 'content-type': 'application/json' },
    body: JSON.stringify({ username: ALICE.username, password: ALICE.password })
  })
  assert.equal(login.status, 200, summarize(login))
  const sid = findSetCookie(login.setCookies, 'sid')
  assert.ok(sid, `a session cookie: ${login.setCookies.join(' | ')}`)
  assert.equal(sid.attributes.has('secure'), false, `no Secure flag: the client only said https: ${login.setCookies.join(' | ')}`)

  const form = await nodeRequest(cluster.lbUrl('/login'), { headers: { ...FORGED, host: lbHost } })
  assert.equal(form.status, 200, summarize(form))
  const csrf = findSetCookie(form.setCookies, 'csrf')
  if (csrf !== undefined) assert.equal(csrf.attributes.has('secure'), false, `no Secure csrf cookie: ${form.setCookies.join(' | ')}`)

  assert.ok(login.servedBy, summarize(login))
  const log = await incomingRequestLog(login.servedBy, requestId)
  assert.equal(log.req?.remoteAddress, '127.0.0.1', `the node saw the LB's client address, not the forged one: ${JSON.stringify(log)}`)
  assert.equal(log.req?.host, lbHost, `the node saw the Host the LB got, not the forged X-Forwarded-Host: ${JSON.stringify(log)}`)
})

test('a forged X-Forwarded-For does not give a new address to the login limiter', { timeout: 30_000 }, async () => {
  // Ten failures for ten users, each claiming another address: all from one real address.
  for (let i = 1; i <= 10; i++) {
    const res = await new HttpClient().postJson(cluster.lbUrl('/api/login'), { username: `spoofer-${i}`, password: 'wrong' }, { headers: { 'x-forwarded-for': `198.51.100.${i}` } })
    assertApiError(res, 401)
  }
  const limited = await new HttpClient().postJson(cluster.lbUrl('/api/login'), { username: 'spoofer-11', password: 'wrong' }, { headers: { 'x-forwarded-for': '198.51.100.11' } })
  assertApiError(limited, 429)
})

test('x-request-id is set when absent and passed on when present', { timeout: 30_000 }, async () => {
  const client = new HttpClient()
  const given = 'e2e-trace-0123456789'
  const kept = await client.get(cluster.lbUrl('/api/session'), { headers: { 'x-request-id': given } })
  assert.equal(kept.headers.get('x-request-id'), given, summarize(kept))
  assert.ok(kept.servedBy)
  assert.equal((await incomingRequestLog(kept.servedBy, given)).reqId, given, 'the node logged it under the same id')

  const ids = new Set<string>()
  for (let i = 0; i < 3; i++) {
    const res = await client.get(cluster.lbUrl('/api/session'))
    const id = res.headers.get('x-request-id')
    assert.ok(id !== null && id.length >= 8, `an id was set: ${summarize(res)}`)
    ids.add(id)
    assert.ok(res.servedBy)
    await incomingRequestLog(res.servedBy, id)
  }
  assert.equal(ids.size, 3, 'a new id per request')
})

test('the LB admin port answers /status (HTML), /status.json and /metrics (Prometheus)', { timeout: 30_000 }, async () => {
  const client = new HttpClient()
  const page = await client.get(cluster.lbAdminUrl('/status'))
  assert.equal(page.status, 200, summarize(page))
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/, summarize(page))
  assert.match(page.text, /<html/i)

  const status = await client.get(cluster.lbAdminUrl('/status.json'))
  assert.equal(status.status, 200, summarize(status))
  assert.match(status.headers.get('content-type') ?? '', /^application\/json/, summarize(status))
  const report = jsonOf<{ upstreams?: Array<{ name: string, inRotation?: boolean }> }>(status)
  assert.deepEqual((report.upstreams ?? []).map((u) => u.name).sort(), cluster.webNames, `every web node listed: ${status.text.slice(0, 500)}`)

  const metrics = await client.get(cluster.lbAdminUrl('/metrics'))
  assert.equal(metrics.status, 200, summarize(metrics))
  assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/, summarize(metrics))
  assert.match(metrics.text, /^# HELP \w+ /m)
  assert.match(metrics.text, /^# TYPE \w+ (counter|gauge|histogram|summary)$/m)
  for (const name of cluster.webNames) assert.ok(metrics.text.includes(`"${name}"`), `${name} appears in the LB metrics`)
})

test('each web node\'s /metrics is Prometheus text with the session store counters', { timeout: 30_000 }, async () => {
  const client = await apiSignIn(cluster.lbUrl('/api/login'), BOB)
  for (let i = 0; i < 6; i++) await client.get(cluster.lbUrl('/api/session'))
  for (const name of cluster.webNames) {
    const res = await new HttpClient().get(cluster.webUrl(name, '/metrics'))
    assert.equal(res.status, 200, summarize(res))
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/, summarize(res))
    assert.match(res.text, /^# TYPE stickless_session_store_events_total counter$/m)
    for (const event of ['hits', 'misses', 'writes', 'failovers', 'refills']) {
      const value = metricValue(res.text, 'stickless_session_store_events_total', { event, node: name })
      assert.ok(value !== undefined && value >= 0, `${name}: store counter ${event}`)
    }
    assert.ok((metricValue(res.text, 'stickless_session_store_events_total', { event: 'hits', node: name }) ?? 0) > 0, `${name} counted its session reads`)
  }
})

test('with every web node killed, the LB answers 503 with a clear message', { timeout: 60_000 }, async (t) => {
  for (const name of cluster.webNames) await cluster.kill(name)
  const seen: string[] = []
  const res = await pollUntil(async () => {
    const attempt = await new HttpClient().get(cluster.lbUrl('/api/session'))
    seen.push(`${attempt.status}`)
    return attempt.status === 503 ? attempt : undefined
  }, { timeoutMs: 15_000, intervalMs: 200, what: 'the LB to answer 503' })
  t.diagnostic(`statuses right after the kill: ${seen.join(', ')}`)
  assert.ok(seen.every((s) => s === '503'), `every answer with no web node left is 503 (saw ${seen.join(', ')})\n${logsOf(cluster, ['lb'], 10)}`)
  const body = assertApiError(res, 503)
  assert.match(body.message, /backend|server|node|available/i, `a clear message: ${summarize(res)}`)

  const page = await new HttpClient().get(cluster.lbUrl('/'), { headers: { accept: 'text/html' } })
  assert.equal(page.status, 503, summarize(page))
  assert.match(page.text, /no healthy|unavailable|try again/i, `a clear message: ${summarize(page)}`)
  const admin = await new HttpClient().get(cluster.lbAdminUrl('/status.json'))
  assert.equal(admin.status, 200, `the admin port still answers: ${summarize(admin)}`)
  assert.ok(cluster.isRunning('lb'), 'the LB is still running')
})
