import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Balancer } from '../src/index.js'

const three = [
  { id: 'a', url: 'http://127.0.0.1:3001' },
  { id: 'b', url: 'http://127.0.0.1:3002' },
  { id: 'c', url: 'http://127.0.0.1:3003' }
]

function picks (balancer: Balancer, count: number, exclude?: ReadonlySet<string>): Array<string | undefined> {
  return Array.from({ length: count }, () => balancer.pick(exclude)?.id)
}

test('round robin in list order over equal weights', () => {
  const balancer = new Balancer({}, three)
  assert.deepEqual(picks(balancer, 7), ['a', 'b', 'c', 'a', 'b', 'c', 'a'])
})

test('weights interleave in proportion', () => {
  const balancer = new Balancer({}, [
    { id: 'heavy', url: 'http://127.0.0.1:1', weight: 3 },
    { id: 'light', url: 'http://127.0.0.1:2', weight: 1 }
  ])
  const sequence = picks(balancer, 8)
  assert.equal(sequence.filter((id) => id === 'heavy').length, 6)
  assert.equal(sequence.filter((id) => id === 'light').length, 2)
  assert.notDeepEqual(sequence.slice(0, 3), ['heavy', 'heavy', 'heavy'], 'no bursts')
})

test('pick skips upstreams this request already tried', () => {
  const balancer = new Balancer({}, three)
  assert.equal(balancer.pick(new Set(['a', 'b']))?.id, 'c')
  assert.equal(balancer.pick(new Set(['a', 'b', 'c'])), undefined)
})

test('pick skips unhealthy, draining and ejected upstreams', () => {
  const balancer = new Balancer({ unhealthyThreshold: 1 }, three)
  balancer.recordCheck('a', 'fail')
  balancer.recordCheck('b', 'draining')
  assert.deepEqual(picks(balancer, 3), ['c', 'c', 'c'])
  balancer.recordConnectFailure('c')
  assert.equal(balancer.pick(), undefined)
  assert.equal(balancer.availableCount(), 0)
})

test('pick on an empty set is undefined', () => {
  assert.equal(new Balancer().pick(), undefined)
})

test('removing an upstream takes it out of rotation and keeps the others in order', () => {
  const balancer = new Balancer({}, three)
  balancer.remove('b')
  assert.deepEqual(picks(balancer, 4), ['a', 'c', 'a', 'c'])
})

test('requests and upgrades take turns each on their own: a page load and its live socket per reload still spread the page loads', () => {
  const balancer = new Balancer({}, three.slice(0, 2))
  const pages: Array<string | undefined> = []
  const sockets: Array<string | undefined> = []
  for (let reload = 0; reload < 4; reload++) {
    pages.push(balancer.pick()?.id)
    sockets.push(balancer.pick(undefined, 'upgrade')?.id)
  }
  assert.deepEqual(pages, ['a', 'b', 'a', 'b'])
  assert.deepEqual(sockets, ['a', 'b', 'a', 'b'])
})
