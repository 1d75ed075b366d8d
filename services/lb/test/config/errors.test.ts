import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { errorCodes } from '../../src/index.js'

const readmeUrl = new URL('../../../README.md', import.meta.url)

// Start-up errors stop the process; they are in the README without a status.
const startUpCodes = new Set(['STK_ERR_LB_INVALID_OPTION', 'STK_ERR_LB_INVALID_ENV', 'STK_ERR_LB_INVALID_BACKEND'])

test('every error code is documented in the README, each answer with its status', async () => {
  const readme = await readFile(readmeUrl, 'utf8')
  for (const [code, ErrorClass] of Object.entries(errorCodes)) {
    assert.ok(readme.includes(`\`${code}\``), `${code} is missing from services/lb/README.md`)
    if (startUpCodes.has(code)) continue
    const { statusCode } = new ErrorClass('a', 1, 'c')
    assert.match(readme, new RegExp(`\\|\\s*${statusCode}\\s*\\|\\s*\`${code}\`\\s*\\|`), `${code} is documented with status ${statusCode}`)
  }
})

test('each error carries its code and status and formats its message', () => {
  for (const [code, ErrorClass] of Object.entries(errorCodes)) {
    const error = new ErrorClass('a', 1, 'c')
    assert.equal(error.code, code)
    assert.equal(typeof error.statusCode, 'number')
    assert.ok(error instanceof ErrorClass)
    assert.ok(error instanceof Error)
    assert.doesNotMatch(error.message, /%[sdj]/)
  }
  assert.equal(new errorCodes.STK_ERR_LB_NO_HEALTHY_BACKEND().statusCode, 503)
  assert.equal(new errorCodes.STK_ERR_LB_BAD_GATEWAY('web-1', 'ECONNRESET').statusCode, 502)
  assert.equal(new errorCodes.STK_ERR_LB_UPSTREAM_TIMEOUT('web-1', 5000).statusCode, 504)
  assert.equal(new errorCodes.STK_ERR_LB_PAYLOAD_TOO_LARGE(1024).statusCode, 413)
  assert.equal(new errorCodes.STK_ERR_LB_INVALID_OPTION('x', 'y', 1).statusCode, 500)
})

test('messages are the wording of the table with the values filled in', () => {
  assert.equal(new errorCodes.STK_ERR_LB_BAD_GATEWAY('web-1', 'ECONNRESET').message, 'The backend web-1 failed to answer (ECONNRESET)')
  assert.equal(new errorCodes.STK_ERR_LB_UPSTREAM_TIMEOUT('web-1', 5000).message, 'The backend web-1 did not answer within 5000 ms')
  assert.equal(new errorCodes.STK_ERR_LB_INVALID_ENV('LB_PORT', 'expected a whole number', 'x').message, 'Invalid environment variable LB_PORT: expected a whole number (got "x")')
  assert.equal(new errorCodes.STK_ERR_LB_NOT_FOUND('GET', '/nope').message, 'No admin route GET /nope; try GET /status, /status.json or /metrics')
  assert.ok(new errorCodes.STK_ERR_LB_INVALID_OPTION('x', 'y', 1) instanceof TypeError)
})
