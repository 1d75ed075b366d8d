// The store's published types against both frameworks' Store types: two small
// consumer files (and a CommonJS one) compiled by tsc against the built
// declarations, as an app that installed the package sees them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const project = join(here, '..', '..', 'test-types', 'tsconfig.json')

test('express-session\'s Store and @fastify/session\'s SessionStore both accept the store, with no adapter or cast', () => {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc')
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', timeout: 120_000 })
  } catch (err) {
    const e = err as { stdout?: string, stderr?: string }
    assert.fail(`tsc found type errors:\n${e.stdout ?? ''}${e.stderr ?? ''}`)
  }
})
