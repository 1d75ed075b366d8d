import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BoundedMap } from '../../src/replication/bounded-map.js'

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
