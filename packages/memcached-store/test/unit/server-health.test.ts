import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ServerHealth } from '../../src/policy/server-health.js'

function clock (): { now: () => number, advance: (ms: number) => void } {
  let t = 1_000_000
  return { now: () => t, advance: (ms) => { t += ms } }
}

test('a failure marks a server down for retryInterval, then it is probed', () => {
  const c = clock()
  const h = new ServerHealth(15_000, c.now)
  h.recordProbe({ pid: '1', uptimeS: 10 })
  assert.equal(h.recordFailure('timeout'), true)
  assert.equal(h.state, 'down')
  assert.equal(h.readable, false)
  assert.equal(h.writable, false)
  assert.equal(h.recordFailure('again'), false, 'already down')
  c.advance(14_999)
  assert.equal(h.probeDue(), false)
  c.advance(1)
  assert.equal(h.probeDue(), true)
})

test('a successful probe after down means recovering (writable, not readable) until refilled', () => {
  const h = new ServerHealth(0)
  h.recordProbe({ pid: '1', uptimeS: 10 })
  h.recordFailure('refused')
  assert.equal(h.recordProbe({ pid: '1', uptimeS: 30 }), true)
  assert.equal(h.state, 'recovering')
  assert.equal(h.writable, true)
  assert.equal(h.readable, false)
  h.recordRefilled()
  assert.equal(h.state, 'up')
})

test('a restart seen while up (new pid, or uptime went back) means refill', () => {
  const h = new ServerHealth(1000)
  assert.equal(h.recordProbe({ pid: '1', uptimeS: 10 }), false, 'first sight is not a restart')
  assert.equal(h.recordProbe({ pid: '1', uptimeS: 11 }), false)
  assert.equal(h.recordProbe({ pid: '2', uptimeS: 1 }), true)
  h.recordRefilled()
  assert.equal(h.recordProbe({ pid: '2', uptimeS: 0 }), true, 'same pid, uptime went back')
})
