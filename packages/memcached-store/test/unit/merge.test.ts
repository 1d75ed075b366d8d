import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mergeSessions } from '../../src/policy/merge.js'

test('two items added to a cart at once both survive', () => {
  const base = { user: 'alice', cart: ['a'] }
  assert.deepEqual(mergeSessions(base, { user: 'alice', cart: ['a', 'b'] }, { user: 'alice', cart: ['a', 'c'] }), { user: 'alice', cart: ['a', 'b', 'c'] })
})

test('fields changed on one side only keep that change', () => {
  const base = { a: 1, b: 1, c: 1 }
  assert.deepEqual(mergeSessions(base, { a: 2, b: 1, c: 1 }, { a: 1, b: 3, c: 1 }), { a: 2, b: 3, c: 1 })
})

test('a field removed on our side is removed; one added on theirs is kept', () => {
  assert.deepEqual(mergeSessions({ a: 1, b: 1 }, { a: 1, b: 1, t: 1 }, { a: 1 }), { a: 1, t: 1 })
})

test('a bounded list (last hops) keeps both new entries and drops what we dropped', () => {
  const base = { hops: ['h1', 'h2', 'h3'] }
  const theirs = { hops: ['h2', 'h3', 'x'] }
  const ours = { hops: ['h2', 'h3', 'y'] }
  assert.deepEqual(mergeSessions(base, theirs, ours), { hops: ['h2', 'h3', 'x', 'y'] })
})

test('nested objects merge field by field; a true conflict goes to the later write', () => {
  const base = { prefs: { theme: 'light', lang: 'en' }, n: 1 }
  assert.deepEqual(mergeSessions(base, { prefs: { theme: 'dark', lang: 'en' }, n: 2 }, { prefs: { theme: 'light', lang: 'fr' }, n: 3 }), { prefs: { theme: 'dark', lang: 'fr' }, n: 3 })
})

test('without a base, our fields win and arrays keep the items of both', () => {
  assert.deepEqual(mergeSessions(undefined, { cart: ['a', 'b'], x: 1 }, { cart: ['a', 'c'], x: 2 }), { cart: ['a', 'b', 'c'], x: 2 })
})
