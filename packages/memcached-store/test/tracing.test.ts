// The store's spans and command events on real memcached: a CLIENT span per
// command to each replica, under the caller's span, named and described by
// the database semantic conventions and never naming a key or a session id;
// none with `tracing: false`; and the command events a web node's
// Server-Timing counts, published in the caller's own async context.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AsyncLocalStorage } from 'node:async_hooks'
import diagnosticsChannel from 'node:diagnostics_channel'
import { SpanKind, context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { startMemcached } from '@stickless/test-support'
import { COMMAND_CHANNEL_NAME, type CommandEvent } from '../src/index.js'
import { session, storeFor } from './helpers/fixtures.js'

test('no provider registered: no spans, and the command events still reach a listener, each in its caller\'s context', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  const caller = new AsyncLocalStorage<string>()
  const seen: Array<{ caller: string | undefined, event: CommandEvent }> = []
  const listener = (message: unknown): void => { seen.push({ caller: caller.getStore(), event: message as CommandEvent }) }
  diagnosticsChannel.subscribe(COMMAND_CHANNEL_NAME, listener)
  t.after(() => diagnosticsChannel.unsubscribe(COMMAND_CHANNEL_NAME, listener))
  await store.setSession('sid-a', session({ user: 'alice' }))
  await store.setSession('sid-b', session({ user: 'bob' }))
  seen.length = 0
  // two reads in one event-loop turn share one multi-get per server, yet each caller hears of its own
  await Promise.all([caller.run('a', async () => await store.getSession('sid-a')), caller.run('b', async () => await store.getSession('sid-b'))])
  const gets = seen.filter((s) => s.event.command === 'gets')
  assert.ok(gets.some((s) => s.caller === 'a') && gets.some((s) => s.caller === 'b'), JSON.stringify(seen))
  for (const { event } of seen) {
    assert.ok(servers.some((s) => s.address === event.server))
    assert.ok(event.durationMs >= 0 && !event.failed)
    assert.deepEqual(Object.keys(event).sort(), ['command', 'durationMs', 'failed', 'server', 'startedAt'])
  }
})

test('with a provider: a CLIENT span per replica command under the caller\'s span; none with tracing: false', async (t) => {
  const servers = await startMemcached(t, 2)
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
  trace.setGlobalTracerProvider(provider)
  t.after(async () => {
    trace.disable()
    context.disable()
    await provider.shutdown()
  })
  const store = storeFor(t, servers)
  const tracer = trace.getTracer('test')
  await tracer.startActiveSpan('request', async (span) => {
    await store.setSession('sid-traced', session({ user: 'alice' }))
    await store.getSession('sid-traced')
    span.end()
  })
  const spans = exporter.getFinishedSpans()
  const request = spans.find((s) => s.name === 'request')
  assert.ok(request)
  const commands = spans.filter((s) => s.attributes['db.system.name'] === 'memcached')
  assert.ok(commands.every((s) => s.parentSpanContext !== undefined), 'no span for a command outside any span (the background probes)')
  assert.ok(commands.length >= 4, `a write and a read on two replicas: ${commands.map((s) => s.name).join(', ')}`)
  const ports = new Set<unknown>()
  for (const span of commands) {
    assert.equal(span.kind, SpanKind.CLIENT)
    assert.equal(span.name, `memcached ${String(span.attributes['db.operation.name'])}`)
    assert.equal(span.parentSpanContext?.spanId, request.spanContext().spanId)
    assert.equal(span.spanContext().traceId, request.spanContext().traceId)
    assert.equal(span.attributes['server.address'], '127.0.0.1')
    ports.add(span.attributes['server.port'])
    const text = JSON.stringify([span.name, span.attributes])
    assert.ok(!text.includes('sid-traced') && !text.includes('stk:'), text)
  }
  assert.deepEqual([...ports].sort(), servers.map((s) => s.port).sort(), 'both replicas')

  exporter.reset()
  const quiet = storeFor(t, servers, { tracing: false })
  await tracer.startActiveSpan('request', async (span) => {
    await quiet.getSession('sid-traced')
    span.end()
  })
  assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), ['request'])
})
