import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Balancer, LatencyReservoir } from '../src/index.js'

test('counters per upstream: requests, in flight, errors, retries', () => {
  const balancer = new Balancer({}, [{ id: 'a', url: 'http://127.0.0.1:1' }])
  balancer.recordStart('a')
  balancer.recordStart('a')
  balancer.recordStart('a')
  assert.equal(balancer.snapshot()[0]?.inFlight, 3)
  balancer.recordFinish('a', { latencyMs: 10, statusCode: 200, failed: false, retried: false })
  balancer.recordFinish('a', { latencyMs: 5, failed: true, retried: true })
  balancer.recordFinish('a', { latencyMs: 30, statusCode: 503, failed: false, retried: false })
  const snapshot = balancer.snapshot()[0]
  assert.ok(snapshot !== undefined)
  assert.equal(snapshot.requests, 3)
  assert.equal(snapshot.inFlight, 0)
  assert.equal(snapshot.errors, 2, 'a failed attempt and a 5xx answer')
  assert.equal(snapshot.retries, 1)
  assert.equal(snapshot.p50Ms, 10, 'failed attempts do not feed the percentiles')
  assert.equal(snapshot.p99Ms, 30)
})

test('percentiles are undefined before the first sample', () => {
  const balancer = new Balancer({}, [{ id: 'a', url: 'http://127.0.0.1:1' }])
  assert.equal(balancer.snapshot()[0]?.p50Ms, undefined)
})

test('the latency reservoir computes nearest-rank percentiles', () => {
  const reservoir = new LatencyReservoir(1000)
  for (let ms = 1; ms <= 100; ms++) reservoir.record(ms)
  assert.equal(reservoir.percentile(50), 50)
  assert.equal(reservoir.percentile(99), 99)
  assert.equal(reservoir.percentile(100), 100)
  assert.equal(reservoir.percentile(0), 1)
})

test('the latency reservoir is bounded and keeps the most recent samples', () => {
  const reservoir = new LatencyReservoir(4)
  for (const ms of [1000, 1000, 1000, 1000, 1, 2, 3, 4]) reservoir.record(ms)
  assert.equal(reservoir.count, 4)
  assert.equal(reservoir.percentile(100), 4)
})

test('the latency reservoir ignores nonsense samples', () => {
  const reservoir = new LatencyReservoir(4)
  reservoir.record(Number.NaN)
  reservoir.record(-1)
  assert.equal(reservoir.count, 0)
})

test('an attempt the client abandoned is neither an error nor a latency sample', () => {
  const balancer = new Balancer({}, [{ id: 'a', url: 'http://127.0.0.1:1' }])
  balancer.recordStart('a')
  balancer.recordFinish('a', { latencyMs: 9_000, failed: false, retried: false, clientAborted: true })
  const snapshot = balancer.snapshot()[0]
  assert.equal(snapshot?.inFlight, 0)
  assert.equal(snapshot?.errors, 0)
  assert.equal(snapshot?.p50Ms, undefined)
})
