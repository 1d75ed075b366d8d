import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { webErrors } from '../src/errors.js'

// dist/test/ -> services/web/README.md
const readme = new URL('../../README.md', import.meta.url)

test('every STK_ERR_WEB_* code is documented in services/web/README.md', async () => {
  const text = await readFile(readme, 'utf8')
  for (const [code, { statusCode }] of Object.entries(webErrors)) {
    assert.ok(text.includes(`\`${code}\``), `${code} is missing from README.md`)
    assert.match(text, new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${statusCode}\\s*\\|`), `${code} is documented with status ${statusCode}`)
  }
})

test('every code documented in README.md exists', async () => {
  const text = await readFile(readme, 'utf8')
  for (const [code] of text.matchAll(/STK_ERR_WEB_[A-Z_]+/g)) {
    assert.ok(code in webErrors, `README.md documents ${code}, which errors.ts does not define`)
  }
})
