import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Balancer } from '../src/index.js'

/** A clock the test moves by hand, for the balancer's `now` option. */
function fakeClock (startMs = 1_000_000): { now: () => number, advance: (ms: number) => void } {
  let current = startMs
  return { now: () => current, advance: (ms) => { current += ms } }
}

const a = { id: 'a', url: 'http://127.0.0.1:3001', name: 'web-1' }
const b = { id: 'b', url: 'http://127.0.0.1:3002', name: 'web-2' }
const c = { id: 'c', url: 'http://127.0.0.1:3003', name: 'web-3' }

test('add, list, get and remove upstreams', () => {
  const balancer = new Balancer({}, [a, b])
  assert.deepEqual(balancer.list().map((u) => u.id), ['a', 'b'])
  assert.equal(balancer.get('a')?.name, 'web-1')
  assert.equal(balancer.get('a')?.weight, 1)
  balancer.add(c)
  assert.equal(balancer.size, 3)
  assert.equal(balancer.remove('b'), true)
  assert.equal(balancer.remove('b'), false)
  assert.deepEqual(balancer.list().map((u) => u.id), ['a', 'c'])
})

test('the name defaults to the id and the url is normalized to its origin', () => {
  const balancer = new Balancer({}, [{ id: 'x', url: 'HTTP://LocalHost:80/' }])
  assert.equal(balancer.get('x')?.name, 'x')
  assert.equal(balancer.get('x')?.url, 'http://localhost')
})

test('a duplicate id is rejected with a coded error', () => {
  const balancer = new Balancer({}, [a])
  assert.throws(() => balancer.add({ ...a, url: 'http://127.0.0.1:9999' }), { code: 'STK_ERR_BALANCER_DUPLICATE_UPSTREAM' })
})

test('invalid upstreams are rejected with a coded error', () => {
  const balancer = new Balancer()
  const bad = [
    { id: '', url: 'http://h:1' },
    { id: 'x', url: 'not a url' },
    { id: 'x', url: 'ftp://h:1' },
    { id: 'x', url: 'http://h:1/path' },
    { id: 'x', url: 'http://h:1?q=1' },
    { id: 'x', url: 'http://h:1', weight: 0 },
    { id: 'x', url: 'http://h:1', weight: 101 },
    { id: 'x', url: 'http://h:1', weight: 1.5 }
  ]
  for (const spec of bad) {
    assert.throws(() => balancer.add(spec), { code: 'STK_ERR_BALANCER_INVALID_UPSTREAM' }, JSON.stringify(spec))
  }
})

test('setUpstreams reports the diff and keeps the health of unchanged upstreams', () => {
  const clock = fakeClock()
  const balancer = new Balancer({ now: clock.now, unhealthyThreshold: 1 }, [a, b])
  balancer.recordCheck('a', 'fail')
  assert.equal(balancer.state('a'), 'unhealthy')
  balancer.recordStart('b')

  const diff = balancer.setUpstreams([{ ...a, name: 'renamed', weight: 3 }, c])
  assert.deepEqual(diff.added.map((u) => u.id), ['c'])
  assert.deepEqual(diff.removed.map((u) => u.id), ['b'])
  assert.deepEqual(diff.kept.map((u) => u.id), ['a'])
  assert.equal(balancer.state('a'), 'unhealthy', 'health survives a re-resolution')
  assert.equal(balancer.get('a')?.name, 'renamed')
  assert.equal(balancer.get('a')?.weight, 3)
  assert.equal(balancer.get('b'), undefined)
})

test('setUpstreams starts an upstream afresh when its url changed', () => {
  const balancer = new Balancer({ unhealthyThreshold: 1 }, [a])
  balancer.recordCheck('a', 'fail')
  const diff = balancer.setUpstreams([{ ...a, url: 'http://127.0.0.1:4001' }])
  assert.deepEqual(diff.removed.map((u) => u.id), ['a'])
  assert.deepEqual(diff.added.map((u) => u.id), ['a'])
  assert.equal(balancer.state('a'), 'healthy')
})

test('a host name that resolves to several addresses counts each address', () => {
  const balancer = new Balancer()
  // The service resolves `web` to two addresses and passes one spec per address.
  balancer.setUpstreams([
    { id: 'http://10.0.0.2:3000', url: 'http://10.0.0.2:3000', name: 'web/10.0.0.2' },
    { id: 'http://10.0.0.3:3000', url: 'http://10.0.0.3:3000', name: 'web/10.0.0.3' },
    { id: 'http://10.0.0.2:3000', url: 'http://10.0.0.2:3000', name: 'duplicate' }
  ])
  assert.equal(balancer.size, 2)
  assert.equal(balancer.get('http://10.0.0.2:3000')?.name, 'web/10.0.0.2', 'the first of duplicate ids wins')
})

test('recording against an unknown upstream is ignored (it may have just been removed)', () => {
  const balancer = new Balancer()
  assert.equal(balancer.recordCheck('gone', 'fail'), undefined)
  assert.equal(balancer.recordConnectFailure('gone'), undefined)
  balancer.recordStart('gone')
  balancer.recordFinish('gone', { latencyMs: 1, failed: false, retried: false })
  assert.equal(balancer.state('gone'), undefined)
})
