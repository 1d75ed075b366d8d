import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { errorCodes, isStoreUnavailable, storeError } from '../src/errors.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

for (const code of Object.keys(errorCodes)) {
  test(`${code} is documented in the README`, () => {
    assert.ok(readme.includes(`\`${code}\``), `README.md does not document ${code}`)
  })
}

test('errors carry their code, status and a message naming the detail', () => {
  const err = storeError('STK_ERR_STORE_UNAVAILABLE', 'every replica is down')
  assert.equal(err.code, 'STK_ERR_STORE_UNAVAILABLE')
  assert.equal(err.statusCode, 503)
  assert.match(err.message, /every replica is down/)
  assert.equal(isStoreUnavailable(err), true)
  assert.equal(isStoreUnavailable(storeError('STK_ERR_INVALID_KEY', 'x')), false)
  assert.equal(isStoreUnavailable(new Error('x')), false)
})
