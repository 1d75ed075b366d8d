import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { errorCodes } from '../src/index.js'

const readmeUrl = new URL('../../README.md', import.meta.url)

test('every error code is documented in the README', async () => {
  const readme = await readFile(readmeUrl, 'utf8')
  for (const code of Object.keys(errorCodes)) {
    assert.ok(readme.includes(`\`${code}\``), `${code} is missing from packages/balancer/README.md`)
  }
})

test('each error carries its code and status 500, and formats its message', () => {
  for (const [code, ErrorClass] of Object.entries(errorCodes)) {
    const error = new ErrorClass('a', 'b', 'c')
    assert.equal(error.code, code)
    assert.equal(error.statusCode, 500)
    assert.ok(error instanceof ErrorClass)
    assert.ok(error instanceof Error)
    assert.doesNotMatch(error.message, /%[sdj]/)
  }
})

test('an invalid option names the option, the rule and the value it got', () => {
  const error = new errorCodes.STK_ERR_BALANCER_INVALID_OPTION('healthyThreshold', 'expected an integer from 1 to 100', 0)
  assert.equal(error.message, 'Invalid balancer option "healthyThreshold": expected an integer from 1 to 100 (got 0)')
  assert.ok(error instanceof TypeError)
  assert.equal(new errorCodes.STK_ERR_BALANCER_INVALID_UPSTREAM({ id: 'a' }, 'no url').message, 'Invalid upstream {"id":"a"}: no url')
  assert.equal(new errorCodes.STK_ERR_BALANCER_DUPLICATE_UPSTREAM('a').message, 'Upstream "a" is already in the set')
})
