import { test } from 'node:test'
import assert from 'node:assert/strict'
import { replicasFor } from '../../src/policy/replica-set.js'

const nodes = (n: number, weight = 1): Array<{ id: string, weight: number }> =>
  Array.from({ length: n }, (_, i) => ({ id: `10.0.0.${i + 1}:11211`, weight }))
const keys = Array.from({ length: 20_000 }, (_, i) => `stk:s:${i.toString(36)}x${(i * 7919).toString(36)}`)

test('the same key gets the same replicas in the same order, R distinct nodes', () => {
  const set = nodes(5)
  for (const key of keys.slice(0, 500)) {
    const a = replicasFor(set, key, 2)
    assert.deepEqual(a, replicasFor([...set].reverse(), key, 2))
    assert.equal(new Set(a.map((n) => n.id)).size, 2)
  }
})

test('with R = N every key is on every node, all in one order whatever the list\'s order', () => {
  for (const n of [2, 3]) {
    const set = nodes(n)
    const order = replicasFor(set, keys[0]!, n).map((s) => s.id)
    assert.equal(new Set(order).size, n)
    for (const key of keys.slice(0, 2000)) {
      assert.deepEqual(replicasFor(set, key, n).map((s) => s.id), order)
      assert.deepEqual(replicasFor([...set].reverse(), key, n + 1).map((s) => s.id), order)
    }
  }
})

test('with R = N the heavier server leads far more often than not', () => {
  let heavyFirst = 0
  const lists = 2000
  for (let i = 0; i < lists; i++) {
    const set = [{ id: `10.1.${i}.1:11211`, weight: 1 }, { id: `10.1.${i}.2:11211`, weight: 4 }]
    if (replicasFor(set, 'any', 2)[0]!.id === set[1]!.id) heavyFirst++
  }
  // weighted rendezvous: the weight-4 server wins the rank 4 times in 5
  assert.ok(Math.abs(heavyFirst / lists - 0.8) < 0.04, `heavy first in ${heavyFirst} of ${lists}`)
})

test('weights set each server\'s share of keys', () => {
  const set = [{ id: 'a', weight: 1 }, { id: 'b', weight: 3 }]
  let b = 0
  for (const key of keys) if (replicasFor(set, key, 1)[0]!.id === 'b') b++
  assert.ok(Math.abs(b / keys.length - 0.75) < 0.03, `b share ${b / keys.length}`)
})

for (const r of [1, 2]) {
  test(`adding a 5th server moves only about 1/N of the keys (R=${r})`, () => {
    const before = nodes(4)
    const after = nodes(5)
    let moved = 0
    for (const key of keys) {
      const a = replicasFor(before, key, r).map((n) => n.id).sort().join()
      const b = replicasFor(after, key, r).map((n) => n.id).sort().join()
      if (a !== b) moved++
    }
    // a key moves when the new server enters its top R: R/N of keys
    const expected = r / 5
    const share = moved / keys.length
    assert.ok(Math.abs(share - expected) < 0.03, `moved ${share}, expected about ${expected}`)
  })
}

test('removing a server moves only the keys it held', () => {
  const before = nodes(5)
  const after = before.slice(0, 4)
  for (const key of keys.slice(0, 5000)) {
    const a = replicasFor(before, key, 1)[0]!.id
    const b = replicasFor(after, key, 1)[0]!.id
    if (a !== before[4]!.id) assert.equal(b, a)
  }
})
