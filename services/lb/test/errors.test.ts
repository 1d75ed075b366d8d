import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { errors } from '../src/index.js'

const readmeUrl = new URL('../../README.md', import.meta.url)

void test('every error code is documented in the README', async () => {
  const readme = await readFile(readmeUrl, 'utf8')
  for (const code of Object.keys(errors)) {
    assert.ok(readme.includes(`\`${code}\``), `${code} is missing from services/lb/README.md`)
  }
})

void test('each error class carries its code and status and formats its message', () => {
  for (const [code, ErrorClass] of Object.entries(errors)) {
    assert.equal(ErrorClass.code, code)
    const error = new ErrorClass('a', 1, 'c')
    assert.equal(error.code, code)
    assert.equal(error.statusCode, ErrorClass.statusCode)
    assert.ok(error instanceof Error)
    assert.ok(!error.message.includes('%s'), error.message)
  }
  assert.equal(errors.STK_ERR_LB_NO_HEALTHY_BACKEND.statusCode, 503)
  assert.equal(errors.STK_ERR_LB_BAD_GATEWAY.statusCode, 502)
  assert.equal(errors.STK_ERR_LB_UPSTREAM_TIMEOUT.statusCode, 504)
  assert.equal(errors.STK_ERR_LB_PAYLOAD_TOO_LARGE.statusCode, 413)
})
