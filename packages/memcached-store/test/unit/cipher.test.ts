import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ValueCipher } from '../../src/record/cipher.js'

const k1 = 'k1-0123456789abcdef0123456789abcdef'
const k2 = 'k2-0123456789abcdef0123456789abcdef'

test('a value is encrypted, authenticated and bound to its key', () => {
  const c = new ValueCipher([k1])
  const sealed = c.encrypt('{"user":"alice"}', 'stk:s:abc')
  assert.ok(!sealed.includes('alice'))
  assert.equal(c.decrypt(sealed, 'stk:s:abc'), '{"user":"alice"}')
  assert.equal(c.decrypt(sealed, 'stk:s:other'), undefined, 'moved under another id')
})

test('a tampered or forged value is rejected', () => {
  const c = new ValueCipher([k1])
  const sealed = c.encrypt('{"user":"alice"}', 'k')
  const body = sealed.split('.')[2]!
  // the second-to-last character always carries data bits (the last may be
  // partly padding); it becomes another character, whatever it was
  const at = body.length - 2
  const flipped = body.slice(0, at) + (body[at] === 'A' ? 'B' : 'A') + body.slice(at + 1)
  assert.notEqual(flipped, body)
  assert.equal(c.decrypt(sealed.replace(body, flipped), 'k'), undefined)
  assert.equal(c.decrypt('{"user":"mallory"}', 'k'), undefined)
  assert.equal(c.decrypt('e1.xxxxxxxx.AAAA', 'k'), undefined)
})

test('rotation: the first key encrypts, every key decrypts', () => {
  const old = new ValueCipher([k1])
  const rotated = new ValueCipher([k2, k1])
  const sealedOld = old.encrypt('v', 'k')
  assert.equal(rotated.decrypt(sealedOld, 'k'), 'v')
  const sealedNew = rotated.encrypt('v', 'k')
  assert.equal(old.decrypt(sealedNew, 'k'), undefined)
  assert.equal(new ValueCipher([k2]).decrypt(sealedNew, 'k'), 'v')
})

test('without keys values pass through', () => {
  const c = new ValueCipher([])
  assert.equal(c.enabled, false)
  assert.equal(c.decrypt(c.encrypt('v', 'k'), 'k'), 'v')
})
