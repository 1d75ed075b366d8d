import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { StoreError, errorCodes, isItemRefused, isStoreUnavailable, storeError, type ErrorCode } from '../../src/errors.js'

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
const codes = Object.keys(errorCodes) as ErrorCode[]

for (const code of codes) {
  test(`${code} is documented in the README with its status`, () => {
    const { statusCode } = storeError(code, 'x')
    assert.match(readme, new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${statusCode}\\s*\\|`), `README.md does not document ${code} with status ${statusCode}`)
  })
}

test('errors carry their code, status and a message naming the detail', () => {
  const err = storeError('STK_ERR_STORE_UNAVAILABLE', 'every replica is down')
  assert.equal(err.code, 'STK_ERR_STORE_UNAVAILABLE')
  assert.equal(err.statusCode, 503)
  assert.equal(err.message, 'No memcached replica is available: every replica is down')
  assert.ok(err instanceof StoreError)
  assert.ok(err instanceof errorCodes.STK_ERR_STORE_UNAVAILABLE)
  assert.ok(err instanceof Error)
  assert.equal(isStoreUnavailable(err), true)
  assert.equal(isStoreUnavailable(storeError('STK_ERR_INVALID_KEY', 'x')), false)
  assert.equal(isStoreUnavailable(new Error('x')), false)
  assert.equal(isStoreUnavailable(undefined), false)
})

test('a detail with format characters is kept as given, and a cause is kept', () => {
  const cause = new Error('ECONNRESET')
  const err = storeError('STK_ERR_SERVER_FAILED', '127.0.0.1:1 said %s %d', cause)
  assert.equal(err.message, 'memcached server failed: 127.0.0.1:1 said %s %d')
  assert.equal(err.cause, cause)
  assert.equal(storeError('STK_ERR_SERVER_FAILED', 'x').cause, undefined)
})

test('new StoreError(code, detail) builds the same error as storeError', () => {
  const cause = new Error('refused')
  const err = new StoreError('STK_ERR_SESSION_DESTROYED', 'fake: destroyed meanwhile', { cause })
  assert.ok(err instanceof errorCodes.STK_ERR_SESSION_DESTROYED)
  assert.equal(err.code, 'STK_ERR_SESSION_DESTROYED')
  assert.equal(err.statusCode, 409)
  assert.equal(err.message, 'The session was destroyed; a destroyed id cannot be saved again: fake: destroyed meanwhile')
  assert.equal(err.cause, cause)
})

test('the unavailable family is exactly the codes whose status is 503', () => {
  for (const code of codes) {
    const err = storeError(code, 'x')
    assert.equal(isStoreUnavailable(err), err.statusCode === 503, code)
  }
})

test('isStoreUnavailable and isItemRefused go by code, so a second copy of the package is still recognised', () => {
  const foreign = Object.assign(new Error('x'), { code: 'STK_ERR_ITEM_REFUSED', statusCode: 503 })
  assert.equal(isStoreUnavailable(foreign), true)
  assert.equal(isItemRefused(foreign), true)
  assert.equal(isItemRefused(storeError('STK_ERR_SERVER_FAILED', 'x')), false)
})
