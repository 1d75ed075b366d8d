// One request through the LB is one trace: the LB's SERVER span, its attempt
// (CLIENT) span, the web node's spans under that attempt, and a span per
// memcached command under the node's, on real processes (memcached, a web
// node, the LB) exporting to an OTLP/HTTP receiver in this test, in both
// OTLP encodings. Without OTEL_* variables, nothing is exported and the SDK
// is never loaded; Server-Timing is there either way.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { pollUntil, startMemcached } from '@stickless/test-support'
import { startLbProcess, type LbProcess } from '../helpers/lb-process.js'
import { OtlpReceiver, SpanKinds, type ReceivedSpan } from './otlp-receiver.js'
import { startWebNode, type WebNodeProcess } from './web-node-process.js'

const PROBE = fileURLToPath(new URL('./sdk-load-probe.js', import.meta.url))

interface Cluster {
  readonly lb: LbProcess
  readonly web: WebNodeProcess
}

/** memcached, web-1 and the LB, each with `otel` over a clean environment (no inherited OTEL_*). */
async function startCluster (t: TestContext, otel: Record<string, string>): Promise<Cluster> {
  const [memcached] = await startMemcached(t, 1)
  assert.ok(memcached)
  const env: Record<string, string | undefined> = { NODE_OPTIONS: `--import=${PROBE}` }
  for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_')) env[key] = undefined
  Object.assign(env, otel)
  const web = await startWebNode(t, 'web-1', `tcp://${memcached.address}?timeout=1`, env)
  const lbEnv: Record<string, string> = { LB_HEALTH_INTERVAL_MS: '200', NODE_OPTIONS: env.NODE_OPTIONS as string, ...otel }
  const lb = await startLbProcess(t, `web-1=${web.url}`, lbEnv)
  // the LB's first check marks the node healthy
  await pollUntil(async () => await fetch(`${lb.url}/healthz`).then((r) => r.ok, () => false), { what: 'web-1 healthy behind the LB', timeoutMs: 20_000, intervalMs: 50 })
  return { lb, web }
}

/** Signs in as alice and adds one item: returns the cart write's response. */
async function cartWrite (lbUrl: string): Promise<Response> {
  const login = await fetch(`${lbUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'wonderland' })
  })
  assert.equal(login.status, 200)
  await login.text()
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const cart = await fetch(`${lbUrl}/api/cart`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ item: 'teapot' })
  })
  assert.equal(cart.status, 200)
  await cart.text()
  return cart
}

/** Stops both Node processes and returns what the SDK-load probe said for each. */
async function stopAndProbe ({ lb, web }: Cluster): Promise<{ lb: string, web: string }> {
  await web.stop()
  lb.child.kill('SIGTERM')
  await lb.exited
  const said = (lines: readonly string[]): string => /otel-sdk-loaded=(true|false)/.exec(lines.join(''))?.[1] ?? 'nothing'
  return { lb: said(lb.lines), web: said(web.lines) }
}

function assertServerTiming (response: Response): void {
  const timing = response.headers.get('server-timing') ?? ''
  for (const name of ['lb', 'lb-attempt', 'node', 'store-read', 'store-write']) {
    assert.match(timing, new RegExp(`(^|, )${name};dur=\\d`), `Server-Timing has ${name}: ${timing}`)
  }
  assert.match(timing, /store-write;dur=[\d.]+;desc="[1-9]\d* commands?"/)
}

function ancestorsOf (span: ReceivedSpan, byId: ReadonlyMap<string, ReceivedSpan>): ReceivedSpan[] {
  const chain: ReceivedSpan[] = []
  let parent = byId.get(span.parentSpanId)
  while (parent !== undefined && chain.length < 100) {
    chain.push(parent)
    parent = byId.get(parent.parentSpanId)
  }
  return chain
}

for (const protocol of ['http/protobuf', 'http/json'] as const) {
  test(`a cart write through the LB is one trace from the LB to memcached (${protocol})`, async (t) => {
    const receiver = new OtlpReceiver()
    const endpoint = await receiver.listen()
    t.after(async () => { await receiver.close() })
    const cluster = await startCluster(t, {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_BSP_SCHEDULE_DELAY: '100'
    })
    assertServerTiming(await cartWrite(cluster.lb.url))

    const isCartServerSpan = (s: ReceivedSpan): boolean => s.service === 'stickless-lb' && s.kind === SpanKinds.server && s.attributes['url.path'] === '/api/cart'
    // the node's spans end before the LB's, but both processes export on their own schedule
    const trace = await pollUntil(() => {
      const lbSpan = receiver.spans.find(isCartServerSpan)
      if (lbSpan === undefined) return undefined
      const spans = receiver.inTrace(lbSpan.traceId)
      const done = spans.some((s) => s.service === 'stickless-web-1' && s.kind === SpanKinds.server) &&
        spans.some((s) => s.attributes['db.operation.name'] === 'cas' || s.attributes['db.operation.name'] === 'add' || s.attributes['db.operation.name'] === 'set')
      return done ? { lbSpan, spans } : undefined
    }, { what: 'the cart write\'s spans from the LB, the node and memcached', timeoutMs: 15_000, intervalMs: 50 })

    const { lbSpan, spans } = trace
    const byId = new Map(spans.map((s) => [s.spanId, s]))
    assert.equal(lbSpan.parentSpanId, '', 'the LB span is the root (the client sent no traceparent)')
    assert.equal(lbSpan.attributes['http.request.method'], 'POST')
    assert.equal(lbSpan.attributes['http.response.status_code'], 200)

    const attempts = spans.filter((s) => s.service === 'stickless-lb' && s.kind === SpanKinds.client)
    assert.equal(attempts.length, 1, 'one attempt')
    const [attempt] = attempts
    assert.ok(attempt)
    assert.equal(attempt.parentSpanId, lbSpan.spanId, 'the attempt is a child of the LB\'s request span')
    assert.equal(attempt.attributes['stickless.upstream'], 'web-1')

    const nodeServer = spans.find((s) => s.service === 'stickless-web-1' && s.kind === SpanKinds.server)
    assert.ok(nodeServer, 'the node continued the trace with its own SERVER span')
    assert.equal(nodeServer.parentSpanId, attempt.spanId, 'the node\'s span is a child of the LB\'s attempt (its traceparent)')
    assert.equal(nodeServer.scope, '@fastify/otel')

    const commands = spans.filter((s) => s.attributes['db.system.name'] === 'memcached' && s.kind === SpanKinds.client)
    assert.ok(commands.length >= 2, `memcached commands in the trace: ${commands.length}`)
    for (const command of commands) {
      assert.equal(command.service, 'stickless-web-1')
      assert.equal(command.name, `memcached ${String(command.attributes['db.operation.name'])}`)
      assert.equal(command.attributes['server.address'], '127.0.0.1')
      assert.equal(typeof command.attributes['server.port'], 'number')
      assert.ok(ancestorsOf(command, byId).includes(nodeServer), `${command.name} sits under the node's request span`)
      // neither a session id nor a key in clear
      for (const value of Object.values(command.attributes)) assert.ok(!String(value).includes('stk:'), `no key in ${command.name}'s attributes`)
    }
    assert.ok(commands.some((s) => s.attributes['db.operation.name'] === 'gets'), 'the session read')
    assert.deepEqual(receiver.otherPaths, [], 'traces only: no metrics or logs export')
    assert.ok(receiver.contentTypes.every((type) => type === (protocol === 'http/json' ? 'application/json' : 'application/x-protobuf')))

    const probe = await stopAndProbe(cluster)
    assert.deepEqual(probe, { lb: 'true', web: 'true' })
  })
}

test('without OTEL_EXPORTER_OTLP_ENDPOINT (empty, as compose passes it) nothing is exported and the SDK is not loaded', async (t) => {
  const receiver = new OtlpReceiver()
  await receiver.listen()
  t.after(async () => { await receiver.close() })
  // what docker compose passes when the variable is unset: an empty endpoint beside the other settings
  const cluster = await startCluster(t, { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' })
  assertServerTiming(await cartWrite(cluster.lb.url))
  const probe = await stopAndProbe(cluster)
  assert.deepEqual(probe, { lb: 'false', web: 'false' })
  assert.equal(receiver.spans.length + receiver.contentTypes.length + receiver.otherPaths.length, 0)
})
