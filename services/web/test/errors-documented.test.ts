import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { WebError, errorCodes, type WebErrorCode } from '../src/errors.js'

// dist/test/ -> services/web/README.md
const readme = new URL('../../README.md', import.meta.url)
const codes = Object.keys(errorCodes) as WebErrorCode[]

test('every STK_ERR_WEB_* code is documented in services/web/README.md', async () => {
  const text = await readFile(readme, 'utf8')
  for (const code of codes) {
    const { statusCode } = new WebError(code)
    assert.ok(text.includes(`\`${code}\``), `${code} is missing from README.md`)
    assert.match(text, new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${statusCode}\\s*\\|`), `${code} is documented with status ${statusCode}`)
  }
})

test('every code documented in README.md exists', async () => {
  const text = await readFile(readme, 'utf8')
  for (const [code] of text.matchAll(/STK_ERR_WEB_[A-Z_]+/g)) {
    assert.ok(code in errorCodes, `README.md documents ${code}, which errors.ts does not define`)
  }
})

test('new WebError(code) is that code\'s error, with the table\'s message unless given another', () => {
  const cause = new Error('store down')
  const err = new WebError('STK_ERR_WEB_SESSION_UNAVAILABLE', undefined, { cause })
  assert.ok(err instanceof WebError)
  assert.ok(err instanceof errorCodes.STK_ERR_WEB_SESSION_UNAVAILABLE)
  assert.ok(err instanceof Error)
  assert.equal(err.code, 'STK_ERR_WEB_SESSION_UNAVAILABLE')
  assert.equal(err.statusCode, 503)
  assert.equal(err.message, 'The session service is unavailable; please try again in a moment')
  assert.equal(err.cause, cause)
  const own = new WebError('STK_ERR_WEB_BAD_REQUEST', 'HTTP/1.1 requests need a Host header')
  assert.equal(own.message, 'HTTP/1.1 requests need a Host header')
  assert.equal(own.statusCode, 400)
  assert.ok(!(own instanceof errorCodes.STK_ERR_WEB_CART_FULL))
})
