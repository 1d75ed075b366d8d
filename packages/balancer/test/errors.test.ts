import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { errors } from '../src/index.js'

const readmeUrl = new URL('../../README.md', import.meta.url)

void test('every error code is documented in the README', async () => {
  const readme = await readFile(readmeUrl, 'utf8')
  for (const code of Object.keys(errors)) {
    assert.ok(readme.includes(`\`${code}\``), `${code} is missing from packages/balancer/README.md`)
  }
})

void test('each error class carries its code and formats its message', () => {
  for (const [code, ErrorClass] of Object.entries(errors)) {
    assert.equal(ErrorClass.code, code)
    const error = new ErrorClass('a', 'b', 'c')
    assert.equal(error.code, code)
    assert.ok(error instanceof Error)
    assert.ok(error.name.includes(code))
    assert.ok(!error.message.includes('%s'), error.message)
  }
})
