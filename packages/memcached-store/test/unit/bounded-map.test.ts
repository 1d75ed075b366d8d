import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BoundedMap } from '../../src/policy/bounded-map.js'

test('a bounded map keeps its newest entries and never holds more than its max', () => {
  const m = new BoundedMap<string, number>(10)
  for (let i = 0; i < 1000; i++) {
    m.set(`k${i}`, i)
    assert.ok(m.size <= 10, `size ${m.size} after ${i + 1} sets`)
  }
  assert.equal(m.get('k999'), 999)
  assert.equal(m.get('k995'), 995, 'the last half of max at least is kept')
  assert.equal(m.get('k0'), undefined, 'the oldest are forgotten')
})

test('setting an entry again makes it new; delete and clear forget it', () => {
  const m = new BoundedMap<string, number>(4)
  m.set('a', 1)
  m.set('b', 2)
  m.set('a', 3) // now the newest
  m.set('c', 4)
  m.set('d', 5)
  assert.equal(m.get('a'), 3)
  assert.equal(m.size, 3, 'a is held once')
  m.delete('a')
  assert.equal(m.get('a'), undefined)
  m.clear()
  assert.equal(m.size, 0)
  assert.equal(m.get('d'), undefined)
})

test('an entry whose value is undefined is found in the current generation, not looked up in the previous one', () => {
  const m = new BoundedMap<string, number | undefined>(100)
  m.set('x', 1)
  for (let i = 0; i < 50; i++) m.set(`k${i}`, i) // x moves to the previous generation
  m.set('x', undefined)
  assert.equal(m.get('x'), undefined)
})

test('with a weight budget, the entries held never weigh more than it', () => {
  const m = new BoundedMap<string, string>(1000, { maxWeight: 100, weigh: (v) => v.length })
  const held = (): number => [...Array(400).keys()].reduce((sum, i) => sum + (m.get(`k${i}`)?.length ?? 0), 0)
  for (let i = 0; i < 400; i++) {
    m.set(`k${i}`, 'x'.repeat(1 + (i % 7)))
    assert.ok(held() <= 100, `weight ${held()} after ${i + 1} sets`)
  }
  assert.equal(m.get('k399'), 'x'.repeat(1 + (399 % 7)), 'the newest is kept')
  // replacing and deleting entries gives their weight back: light entries then fit as before
  for (let round = 0; round < 50; round++) {
    m.set('same', 'y'.repeat(40))
    m.delete('same')
  }
  m.set('a', 'z'.repeat(20))
  m.set('b', 'z'.repeat(20))
  assert.equal(m.get('a'), 'z'.repeat(20))
  assert.equal(m.get('b'), 'z'.repeat(20))
  assert.equal(m.get('k399'), 'x'.repeat(1 + (399 % 7)), 'a and b fit beside it: no weight was left behind by the deleted entry')
})
