import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bucketUpperMs, latencyBucket, TrafficHistory } from '../../src/status/traffic-history.js'

const answered = (latencyMs: number, statusCode = 200): { latencyMs: number, statusCode: number, failed: boolean, retried: boolean } =>
  ({ latencyMs, statusCode, failed: false, retried: false })

test('each sample closes an interval: requests per second, errors, retries, p99 and the state at its end', () => {
  const history = new TrafficHistory({ capacity: 10, intervalMs: 1000 }, 0)
  for (let i = 0; i < 99; i++) history.record('a', answered(2))
  history.record('a', answered(40))
  history.record('a', answered(3, 503))
  history.record('a', { latencyMs: 1, failed: true, retried: true })
  history.record('a', { latencyMs: 5, failed: false, retried: false, clientAborted: true })
  history.sample(1000, [{ id: 'a', state: 'healthy' }, { id: 'b', state: 'healthy' }])
  history.sample(2000, [{ id: 'a', state: 'ejected' }, { id: 'b', state: 'healthy' }])

  const a = history.series('a')
  assert.deepEqual(a.at, [1000, 2000])
  assert.deepEqual(a.requestsPerSecond, [103, 0])
  assert.deepEqual(a.errors, [2, 0])
  assert.deepEqual(a.retries, [1, 0])
  assert.deepEqual(a.state, ['healthy', 'ejected'])
  // 101 answered (the 503 too): the 100th by rank is the 3 ms one, reported as its bucket's end.
  const p99 = a.p99Ms[0]
  assert.ok(p99 !== null && p99 !== undefined && p99 >= 3 && p99 < 3.6, `p99 ${String(p99)}`)
  assert.equal(a.p99Ms[1], null, 'nothing answered: no p99')
  assert.deepEqual(history.series('b').requestsPerSecond, [0, 0])
})

test('a rate is the count over the time the interval really lasted', () => {
  const history = new TrafficHistory({ capacity: 5 }, 0)
  for (let i = 0; i < 30; i++) history.record('a', answered(1))
  history.sample(1500, [{ id: 'a', state: 'healthy' }])
  assert.deepEqual(history.series('a').requestsPerSecond, [20])
})

test('p99 of a few answers is the slowest of them, exactly', () => {
  const history = new TrafficHistory({}, 0)
  history.record('a', answered(1.2))
  history.record('a', answered(7.3))
  history.sample(1000, [{ id: 'a', state: 'healthy' }])
  assert.deepEqual(history.series('a').p99Ms, [7.3])
})

test('the ring keeps the last `capacity` samples, oldest first', () => {
  const history = new TrafficHistory({ capacity: 3 }, 0)
  for (let second = 1; second <= 5; second++) {
    for (let i = 0; i < second; i++) history.record('a', answered(1))
    history.sample(second * 1000, [{ id: 'a', state: 'healthy' }])
  }
  const a = history.series('a')
  assert.deepEqual(a.at, [3000, 4000, 5000])
  assert.deepEqual(a.requestsPerSecond, [3, 4, 5])
})

test('a node left out of a sample is forgotten; a new one starts with the next interval', () => {
  const history = new TrafficHistory({ capacity: 3 }, 0)
  history.sample(1000, [{ id: 'a', state: 'healthy' }])
  history.sample(2000, [{ id: 'b', state: 'unhealthy' }])
  assert.deepEqual(history.series('a').at, [])
  assert.deepEqual(history.series('b'), { at: [2000], requestsPerSecond: [0], errors: [0], retries: [0], p99Ms: [null], state: ['unhealthy'] })
})

test('latency buckets: four per doubling, every latency at or under its bucket end', () => {
  for (const latency of [0, 0.01, 0.05, 0.051, 0.3, 1, 2, 9.99, 120, 5_000, 1e9]) {
    const bucket = latencyBucket(latency)
    assert.ok(bucket >= 0 && bucket < 96)
    if (latency < 1e6) assert.ok(latency <= bucketUpperMs(bucket) * (1 + 1e-9), `${latency} ms in bucket ${bucket} ending at ${bucketUpperMs(bucket)}`)
    if (bucket > 1) assert.ok(latency > bucketUpperMs(bucket - 1), `${latency} ms belongs in a lower bucket`)
  }
  assert.equal(latencyBucket(Number.NaN), 0)
  assert.ok(bucketUpperMs(latencyBucket(10)) / 10 < 1.19)
})

test('recording allocates nothing per attempt: a million attempts leave the heap flat', () => {
  const history = new TrafficHistory({ capacity: 300 }, 0)
  const outcome = answered(3)
  history.record('a', outcome)
  globalThis.gc?.()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < 1_000_000; i++) history.record('a', outcome)
  const grownBy = process.memoryUsage().heapUsed - before
  // Without --expose-gc this is a loose bound: an object per attempt would be tens of MB.
  assert.ok(grownBy < 4_000_000, `heap grew by ${grownBy} bytes`)
})
