import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BenchArgsError, integerFlag, noPositionals } from '../src/bench-args.js'

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
