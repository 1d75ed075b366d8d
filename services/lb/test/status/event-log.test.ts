import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EventLog } from '../../src/status/event-log.js'
import { checkReason } from '../../src/upstreams/health-checker.js'

const web1 = { id: 'http://127.0.0.1:3001', name: 'web-1' }
const web2 = { id: 'http://127.0.0.1:3002', name: 'web-2' }

function clock (start = 1_000_000): { now: () => number, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms) => { t += ms } }
}

test('transitions are logged with their time and reason, newest first', () => {
  const time = clock()
  const log = new EventLog({ now: time.now })
  log.observe([{ ...web1, state: 'healthy' }, { ...web2, state: 'healthy' }])
  time.advance(1000)
  log.transition(web2, 'healthy', 'ejected', 'a request could not connect (ECONNREFUSED)')
  time.advance(1500)
  log.transition(web2, 'ejected', 'unhealthy', '2 health checks failed in a row (last: ECONNREFUSED)')
  time.advance(5000)
  log.transition(web2, 'unhealthy', 'healthy', '2 health checks passed in a row (HTTP 200)')

  const events = log.list()
  assert.deepEqual(events.map((e) => [e.upstream, e.kind]), [
    ['web-2', 'healthy'], ['web-2', 'unhealthy'], ['web-2', 'ejected'], ['web-2', 'added'], ['web-1', 'added']
  ])
  assert.equal(events[2]?.atMs, 1_001_000)
  assert.equal(events[2]?.reason, 'a request could not connect (ECONNREFUSED)')
  assert.equal(events[0]?.atMs, 1_007_500)
})

test('an ejection that runs out is noted by observe(), once', () => {
  const time = clock()
  const log = new EventLog({ now: time.now })
  log.observe([{ ...web1, state: 'healthy' }])
  log.transition(web1, 'healthy', 'ejected', 'connect failed')
  log.observe([{ ...web1, state: 'ejected' }])
  time.advance(10_000)
  log.observe([{ ...web1, state: 'healthy' }])
  log.observe([{ ...web1, state: 'healthy' }])
  const [latest, ...rest] = log.list()
  assert.equal(latest?.kind, 'healthy')
  assert.equal(latest?.reason, 'the ejection time ran out')
  assert.equal(rest.length, 2)
})

test('a return the log missed comes before the next transition', () => {
  const log = new EventLog({ now: clock().now })
  log.transition(web1, 'healthy', 'ejected', 'connect failed')
  // The ejection ran out between two observations, and a new one began.
  log.transition(web1, 'healthy', 'ejected', 'connect failed again')
  assert.deepEqual(log.list().map((e) => e.kind), ['ejected', 'healthy', 'ejected'])
})

test('a burst of retries is one event with a count; a pause opens a new one', () => {
  const time = clock()
  const log = new EventLog({ now: time.now, coalesceMs: 5000 })
  for (let i = 0; i < 50; i++) {
    log.retry(web2, 'connect-failure (ECONNREFUSED)')
    time.advance(10)
  }
  log.retry(web1, 'connect-failure (ECONNREFUSED)')
  log.retry(web2, 'reset (ECONNRESET)')
  time.advance(6000)
  log.retry(web2, 'connect-failure (ECONNREFUSED)')
  const events = log.list()
  assert.deepEqual(events.map((e) => [e.upstream, e.reason, e.count]), [
    ['web-2', 'connect-failure (ECONNREFUSED)', 1],
    ['web-2', 'reset (ECONNRESET)', 1],
    ['web-1', 'connect-failure (ECONNREFUSED)', 1],
    ['web-2', 'connect-failure (ECONNREFUSED)', 50]
  ])
  assert.equal(events[3]?.lastAtMs, (events[3]?.atMs ?? 0) + 490)
})

test('the log is bounded: the oldest events go first', () => {
  const time = clock()
  const log = new EventLog({ capacity: 3, now: time.now, coalesceMs: 0 })
  for (let i = 0; i < 5; i++) {
    log.retry(web1, `reason ${i}`)
    time.advance(1)
  }
  assert.deepEqual(log.list().map((e) => e.reason), ['reason 4', 'reason 3', 'reason 2'])
  // A retry whose open event was pushed out starts a new one.
  const small = new EventLog({ capacity: 2, now: time.now })
  small.retry(web1, 'r')
  small.transition(web2, 'healthy', 'ejected', 'x')
  small.transition(web2, 'ejected', 'healthy', 'y')
  small.retry(web1, 'r')
  assert.deepEqual(small.list().map((e) => [e.kind, e.count]), [['retry', 1], ['healthy', 1]])
})

test('nodes that appear and leave are logged', () => {
  const log = new EventLog({ now: clock().now })
  log.observe([{ ...web1, state: 'healthy' }])
  log.observe([{ ...web2, state: 'unhealthy' }])
  assert.deepEqual(log.list().map((e) => [e.upstream, e.kind, e.reason]), [
    ['web-1', 'removed', 'no longer among the resolved backends'],
    ['web-2', 'added', 'joined the backends, unhealthy'],
    ['web-1', 'added', 'joined the backends, in rotation']
  ])
})

test('list() hands out copies', () => {
  const log = new EventLog({ now: clock().now })
  log.retry(web1, 'r')
  const [event] = log.list()
  assert.ok(event !== undefined)
  ;(event as { count: number }).count = 99
  assert.equal(log.list()[0]?.count, 1)
})

test('a check that moves a node says which check and what it saw', () => {
  const thresholds = { healthyThreshold: 2, unhealthyThreshold: 3 }
  const upstream = { id: 'u', name: 'web-1', url: 'http://127.0.0.1:3001', weight: 1 }
  assert.equal(checkReason({ upstream, from: 'healthy', to: 'draining' }, '/healthz', 'HTTP 503', thresholds), '/healthz answered HTTP 503: the node is draining')
  assert.equal(checkReason({ upstream, from: 'ejected', to: 'unhealthy' }, '/healthz', 'ECONNREFUSED', thresholds), '3 health checks failed in a row (last: ECONNREFUSED)')
  assert.equal(checkReason({ upstream, from: 'unhealthy', to: 'healthy' }, '/healthz', 'HTTP 200', thresholds), '2 health checks passed in a row (HTTP 200)')
  assert.equal(checkReason({ upstream, from: 'ejected', to: 'healthy' }, '/healthz', 'HTTP 200', thresholds), 'a health check passed (HTTP 200), ending the ejection')
})
