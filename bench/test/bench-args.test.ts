import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { BenchArgsError, checkoutFlag, integerFlag, noPositionals, WEB_MAIN_PATH } from '../src/bench-args.js'

test('integerFlag: the fallback when absent, the number when whole and large enough', () => {
  assert.equal(integerFlag('--seconds', undefined, 3), 3)
  assert.equal(integerFlag('--seconds', '10', 3), 10)
  assert.equal(integerFlag('--rounds', '0', 3, 0), 0)
})

test('integerFlag: text, fractions, blanks and numbers below the minimum are errors naming the flag and the value', () => {
  for (const raw of ['x', '1.5', '', ' ', '0', '-2', '1e400', 'NaN']) {
    assert.throws(() => integerFlag('--seconds', raw, 3), (err: Error) => err instanceof BenchArgsError && err.message === `--seconds must be an integer of at least 1, got ${JSON.stringify(raw)}`)
  }
})

test('noPositionals refuses stray arguments', () => {
  noPositionals([])
  assert.throws(() => { noPositionals(['10']) }, { message: 'unexpected argument(s): 10' })
})

test('checkoutFlag: absent is undefined, a built checkout is its absolute path, anything else an error naming the flag and the value', () => {
  assert.equal(checkoutFlag('--before', undefined), undefined)
  const dir = mkdtempSync(join(tmpdir(), 'bench-args-'))
  try {
    assert.throws(() => checkoutFlag('--before', dir), (err: Error) => err instanceof BenchArgsError && err.message.startsWith(`--before ${JSON.stringify(dir)}: no ${WEB_MAIN_PATH} in ${dir}`))
    const missing = join(dir, 'nowhere')
    assert.throws(() => checkoutFlag('--before', missing), (err: Error) => err instanceof BenchArgsError && err.message.startsWith(`--before ${JSON.stringify(missing)}: no ${WEB_MAIN_PATH}`))
    assert.throws(() => checkoutFlag('--before', ''), BenchArgsError)
    mkdirSync(join(dir, dirname(WEB_MAIN_PATH)), { recursive: true })
    writeFileSync(join(dir, WEB_MAIN_PATH), '')
    assert.equal(checkoutFlag('--before', dir), dir)
    assert.equal(checkoutFlag('--before', relative(process.cwd(), dir)), dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
