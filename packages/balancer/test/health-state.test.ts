import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Balancer } from '../src/index.js'

/** A clock the test moves by hand, for the balancer's `now` option. */
function fakeClock (startMs = 1_000_000): { now: () => number, advance: (ms: number) => void } {
  let current = startMs
  return { now: () => current, advance: (ms) => { current += ms } }
}

const one = [{ id: 'a', url: 'http://127.0.0.1:3001', name: 'web-1' }]

test('healthy after N passing checks, unhealthy after M failing ones', () => {
  const balancer = new Balancer({ healthyThreshold: 2, unhealthyThreshold: 3 }, one)
  assert.equal(balancer.state('a'), 'healthy', 'new upstreams start healthy by default')
  assert.equal(balancer.recordCheck('a', 'fail'), undefined)
  assert.equal(balancer.recordCheck('a', 'fail'), undefined)
  const down = balancer.recordCheck('a', 'fail')
  assert.deepEqual({ from: down?.from, to: down?.to, name: down?.upstream.name }, { from: 'healthy', to: 'unhealthy', name: 'web-1' })
  assert.equal(balancer.recordCheck('a', 'pass'), undefined)
  assert.equal(balancer.isAvailable('a'), false)
  const up = balancer.recordCheck('a', 'pass')
  assert.deepEqual([up?.from, up?.to], ['unhealthy', 'healthy'])
})

test('a pass in between resets the failure streak', () => {
  const balancer = new Balancer({ unhealthyThreshold: 2 }, one)
  balancer.recordCheck('a', 'fail')
  balancer.recordCheck('a', 'pass')
  balancer.recordCheck('a', 'fail')
  assert.equal(balancer.state('a'), 'healthy')
})

test('startHealthy: false keeps a new upstream out until it passes its checks', () => {
  const balancer = new Balancer({ startHealthy: false, healthyThreshold: 1 }, one)
  assert.equal(balancer.state('a'), 'unhealthy')
  assert.equal(balancer.pick(), undefined)
  balancer.recordCheck('a', 'pass')
  assert.equal(balancer.pick()?.id, 'a')
})

test('a 503 from /healthz drains at once, and the node returns after N passes', () => {
  const balancer = new Balancer({ healthyThreshold: 2, unhealthyThreshold: 2 }, one)
  const change = balancer.recordCheck('a', 'draining')
  assert.deepEqual([change?.from, change?.to], ['healthy', 'draining'])
  assert.equal(balancer.pick(), undefined)
  // While it restarts its checks fail: it goes from draining to unhealthy.
  balancer.recordCheck('a', 'fail')
  assert.equal(balancer.state('a'), 'draining')
  balancer.recordCheck('a', 'fail')
  assert.equal(balancer.state('a'), 'unhealthy')
  balancer.recordCheck('a', 'pass')
  balancer.recordCheck('a', 'pass')
  assert.equal(balancer.state('a'), 'healthy')
})

test('a connect failure ejects for the ejection time, then the upstream rejoins', () => {
  const clock = fakeClock()
  const balancer = new Balancer({ now: clock.now, ejectionTimeMs: 5_000 }, one)
  const change = balancer.recordConnectFailure('a')
  assert.deepEqual([change?.from, change?.to], ['healthy', 'ejected'])
  assert.equal(balancer.pick(), undefined)
  assert.equal(balancer.snapshot()[0]?.ejectedUntilMs, clock.now() + 5_000)
  clock.advance(4_999)
  assert.equal(balancer.state('a'), 'ejected')
  clock.advance(1)
  assert.equal(balancer.state('a'), 'healthy')
  assert.equal(balancer.pick()?.id, 'a')
  assert.equal(balancer.snapshot()[0]?.ejections, 1)
})

test('a second connect failure while ejected extends the ejection and is not a new ejection', () => {
  const clock = fakeClock()
  const balancer = new Balancer({ now: clock.now, ejectionTimeMs: 1_000 }, one)
  balancer.recordConnectFailure('a')
  clock.advance(800)
  assert.equal(balancer.recordConnectFailure('a'), undefined)
  clock.advance(800)
  assert.equal(balancer.state('a'), 'ejected')
  assert.equal(balancer.snapshot()[0]?.ejections, 1)
})

test('a passing active check ends an ejection early', () => {
  const clock = fakeClock()
  const balancer = new Balancer({ now: clock.now, ejectionTimeMs: 60_000 }, one)
  balancer.recordConnectFailure('a')
  const change = balancer.recordCheck('a', 'pass')
  assert.deepEqual([change?.from, change?.to], ['ejected', 'healthy'])
})

test('an unhealthy upstream stays unhealthy when its ejection ends', () => {
  const clock = fakeClock()
  const balancer = new Balancer({ now: clock.now, ejectionTimeMs: 1_000, unhealthyThreshold: 1 }, one)
  balancer.recordConnectFailure('a')
  balancer.recordCheck('a', 'fail')
  clock.advance(2_000)
  assert.equal(balancer.state('a'), 'unhealthy')
})

test('the snapshot shows the last check', () => {
  const clock = fakeClock()
  const balancer = new Balancer({ now: clock.now }, one)
  balancer.recordCheck('a', 'pass')
  assert.deepEqual(balancer.snapshot()[0]?.lastCheck, { result: 'pass', atMs: clock.now() })
})
