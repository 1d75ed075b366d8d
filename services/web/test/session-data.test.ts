import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendHop, MAX_HOPS } from '../src/session-data.js'
import { parseCartItem } from '../src/cart-item.js'

test('appendHop keeps the last 10 hops, oldest first', () => {
  let hops = appendHop(undefined, { node: 'web-1', at: '2024-01-01T00:00:00.000Z' })
  assert.equal(hops.length, 1)
  for (let i = 0; i < 20; i++) hops = appendHop(hops, { node: `web-${i}`, at: new Date(i).toISOString() })
  assert.equal(hops.length, MAX_HOPS)
  assert.equal(hops.at(-1)?.node, 'web-19')
  assert.equal(hops[0]?.node, 'web-10')
})

test('parseCartItem counts characters, not UTF-16 units', () => {
  assert.equal(parseCartItem({ item: '🍮'.repeat(100) }), '🍮'.repeat(100))
  assert.throws(() => parseCartItem({ item: '🍮'.repeat(101) }))
  assert.equal(parseCartItem({ item: ' spaced out ' }), ' spaced out ')
})
