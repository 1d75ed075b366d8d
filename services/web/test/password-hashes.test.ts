import { test } from 'node:test'
import assert from 'node:assert/strict'
import { hashPassword, verifyPassword } from '../src/auth/password-hashes.js'

test('the demo accounts verify, everything else does not', async () => {
  assert.equal(await verifyPassword('alice', 'wonderland'), true)
  assert.equal(await verifyPassword('bob', 'builder'), true)
  assert.equal(await verifyPassword('alice', 'builder'), false)
  assert.equal(await verifyPassword('Alice', 'wonderland'), false)
  assert.equal(await verifyPassword('mallory', 'wonderland'), false)
  assert.equal(await verifyPassword('constructor', 'x'), false)
})

test('an unknown user costs a hash like a known one (no timing oracle)', async () => {
  const time = async (user: string): Promise<number> => {
    const started = process.hrtime.bigint()
    for (let i = 0; i < 3; i++) await verifyPassword(user, 'wrong')
    return Number(process.hrtime.bigint() - started) / 3e6
  }
  await time('alice') // warm up
  const known = await time('alice')
  const unknown = await time('nobody-by-that-name')
  assert.ok(unknown > known * 0.5, `unknown ${unknown.toFixed(1)} ms vs known ${known.toFixed(1)} ms`)
})

test('hashPassword produces the stored format', async () => {
  const encoded = await hashPassword('pw', Buffer.alloc(16, 1))
  assert.match(encoded, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
})
