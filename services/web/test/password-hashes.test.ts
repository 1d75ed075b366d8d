import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'
import { hashPassword, verifyPassword } from '../src/auth/password-hashes.js'

test('the demo accounts verify, everything else does not', async () => {
  assert.equal(await verifyPassword('alice', 'wonderland'), true)
  assert.equal(await verifyPassword('bob', 'builder'), true)
  assert.equal(await verifyPassword('alice', 'builder'), false)
  assert.equal(await verifyPassword('Alice', 'wonderland'), false)
  assert.equal(await verifyPassword('mallory', 'wonderland'), false)
  assert.equal(await verifyPassword('constructor', 'x'), false)
})

test('an unknown user costs a hash like a known one (no timing oracle)', async (t) => {
  // What a login costs is the scrypt it runs: count them and their work
  // factors, rather than time them on a machine shared with other work.
  const calls: Array<{ keylen: number, options: unknown }> = []
  const scrypt = crypto.scrypt
  t.mock.method(crypto, 'scrypt', (...args: Parameters<typeof crypto.scrypt>) => {
    calls.push({ keylen: args[2], options: args[3] })
    scrypt(...args)
  })
  syncBuiltinESMExports() // the module under test imported scrypt by name
  t.after(() => { t.mock.restoreAll(); syncBuiltinESMExports() })
  const cost = async (user: string): Promise<Array<{ keylen: number, options: unknown }>> => {
    calls.length = 0
    assert.equal(await verifyPassword(user, 'wrong'), false)
    return [...calls]
  }
  const known = await cost('alice')
  assert.equal(known.length, 1, 'one scrypt for a known user')
  assert.deepEqual(await cost('nobody-by-that-name'), known, 'the same scrypt for an unknown one')
  assert.deepEqual(await cost('constructor'), known)
})

test('hashPassword produces the stored format', async () => {
  const encoded = await hashPassword('pw', Buffer.alloc(16, 1))
  assert.match(encoded, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
})
