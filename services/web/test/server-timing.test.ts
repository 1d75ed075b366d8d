// Every response says where its time went (Server-Timing): the node's total,
// and the memcached reads and writes this request sent, counted by the store's
// own command events, never another request's.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildTestApp, cookieHeader, signIn } from './helpers/test-app.js'
import { memcachedPerFile } from './helpers/real-store.js'
import { parseServerTiming, type ServerTimingEntry } from '../src/tracing/request-path.js'
import { CommandTime } from '../src/tracing/store-timings.js'

const memcached = memcachedPerFile(2)

function entries (header: string | string[] | number | undefined): Map<string, ServerTimingEntry> {
  return new Map(parseServerTiming(String(header ?? '')).map((e) => [e.name, e]))
}

test('a cart write: the node\'s total, and the store\'s reads and writes with their command counts', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sid = await signIn(app)
  const res = await app.inject({ method: 'POST', url: '/api/cart', headers: { cookie: cookieHeader({ sid }), 'content-type': 'application/json' }, payload: '{"item":"teapot"}' })
  assert.equal(res.statusCode, 200)
  const timing = entries(res.headers['server-timing'])
  assert.ok((timing.get('node')?.duration ?? 0) > 0)
  const reads = timing.get('store-read')
  const writes = timing.get('store-write')
  assert.ok(reads !== undefined && writes !== undefined, String(res.headers['server-timing']))
  // two replicas: the session is read from both, and written to both
  assert.match(reads.description, /^[2-9]\d* commands$/)
  assert.match(writes.description, /^[2-9]\d* commands$/)
  assert.ok(reads.duration > 0 && writes.duration > 0)
})

test('a request that never reaches the store says so; so does a 404', async (t) => {
  const { app } = buildTestApp(t, memcached)
  for (const url of ['/healthz', '/login', '/no-such-page']) {
    const res = await app.inject({ url })
    const timing = entries(res.headers['server-timing'])
    assert.ok(timing.has('node'), `${url}: ${String(res.headers['server-timing'])}`)
    if (timing.has('store-read')) assert.equal(timing.get('store-read')?.description, '0 commands', url)
  }
})

test('requests in parallel each count only their own commands', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const sids = await Promise.all([signIn(app), signIn(app), signIn(app)])
  const responses = await Promise.all([
    ...sids.map((sid) => app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }) } })),
    app.inject({ url: '/healthz' })
  ])
  for (const res of responses.slice(0, 3)) {
    assert.equal(res.statusCode, 200)
    const reads = Number(/^(\d+)/.exec(entries(res.headers['server-timing']).get('store-read')?.description ?? '')?.[1])
    // a read asks each of the two replicas at most once (a sampled read-repair may add a write, never reads of others)
    assert.ok(reads >= 1 && reads <= 2, String(res.headers['server-timing']))
  }
  assert.equal(entries(responses[3]?.headers['server-timing']).get('store-read')?.description, '0 commands')
})

test('commands in parallel count once; disjoint ones add up', () => {
  const time = new CommandTime()
  time.add(0, 2)
  time.add(0.5, 1) // inside the first
  time.add(1, 3) // overlaps: adds 2 more (to 4)
  assert.equal(time.busyMs, 4)
  time.add(10, 1)
  assert.equal(time.busyMs, 5)
  assert.equal(time.commands, 4)
})
