import { test } from 'node:test'
import assert from 'node:assert/strict'
import { assertValidKey, KeySpace } from '../../src/record/keys.js'

for (const bad of ['', 'a b', 'a\r\nset x 0 0 1', 'a\nb', 'tab\tkey', 'é', 'x'.repeat(251), 'nul\0']) {
  test(`rejects the key ${JSON.stringify(bad.slice(0, 20))}`, () => {
    assert.throws(() => assertValidKey(bad), (err: Error & { code?: string }) => err.code === 'STK_ERR_INVALID_KEY')
  })
}

test('accepts 1 to 250 printable bytes', () => {
  assert.equal(assertValidKey('a'), 'a')
  assert.equal(assertValidKey('~'.repeat(250)).length, 250)
})

test('user ids of any shape map to fixed, valid keys', () => {
  const ks = new KeySpace('stk:')
  const key = ks.user('alice with spaces\r\n and ünïcode')
  assert.match(key, /^stk:u:[A-Za-z0-9_-]{43}$/)
  assert.notEqual(ks.user('a'), ks.user('b'))
  assert.throws(() => ks.session('bad id'), (err: Error & { code?: string }) => err.code === 'STK_ERR_INVALID_KEY')
})
