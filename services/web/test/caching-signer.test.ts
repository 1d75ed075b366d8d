import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Signer } from '@fastify/cookie'
import { CachingSigner } from '../src/caching-signer.js'

const OLD = 'o'.repeat(32)
const NEW = 'n'.repeat(32)

test('signs and verifies exactly like @fastify/cookie\'s Signer, on first use and from the cache', () => {
  const plain = new Signer([NEW, OLD], 'sha256')
  const cached = new CachingSigner({ secrets: [NEW, OLD] })
  const signed = cached.sign('abc')
  assert.equal(signed, plain.sign('abc'))
  assert.equal(cached.sign('abc'), signed, 'again, from the cache')
  for (let i = 0; i < 2; i++) assert.deepEqual(cached.unsign(signed), { valid: true, renew: false, value: 'abc' })
  const byOld = new Signer([OLD], 'sha256').sign('abc')
  for (let i = 0; i < 2; i++) assert.deepEqual(cached.unsign(byOld), { valid: true, renew: true, value: 'abc' }, 'a rotated secret still verifies, and asks for renewal')
})

test('a tampered or foreign value is never valid, before or after the genuine one is cached', () => {
  const cached = new CachingSigner({ secrets: [NEW] })
  const signed = cached.sign('abc')
  const forged = new Signer(['x'.repeat(32)], 'sha256').sign('abc')
  const tampered = `${signed.slice(0, -1)}${signed.endsWith('A') ? 'B' : 'A'}`
  for (const bad of [forged, tampered, 'abc', 'abc.', '']) assert.equal(cached.unsign(bad).valid, false, bad)
  assert.equal(cached.unsign(signed).valid, true)
  for (const bad of [forged, tampered, 'abc', 'abc.', '']) assert.equal(cached.unsign(bad).valid, false, `${bad} after caching`)
})

test('a caller changing the result it got does not change what the next caller gets', () => {
  const cached = new CachingSigner({ secrets: [NEW] })
  const signed = cached.sign('abc')
  const first = cached.unsign(signed) as { valid: boolean, value: string | null }
  first.valid = false
  first.value = 'evil'
  assert.deepEqual(cached.unsign(signed), { valid: true, renew: false, value: 'abc' })
})

test('the cache is bounded: old entries are forgotten, and still verify by HMAC', () => {
  const cached = new CachingSigner({ secrets: [NEW], maxEntries: 3 })
  const values = ['a', 'b', 'c', 'd', 'e'].map((v) => cached.sign(v))
  for (const v of values) assert.equal(cached.unsign(v).valid, true)
  assert.equal(cached.cachedEntries, 3)
})
