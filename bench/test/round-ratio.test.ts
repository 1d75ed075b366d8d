import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CaseStats } from '../src/http-bench.js'
import { roundRatio, roundRatios, roundRatiosText } from '../src/round-ratio.js'

const stats = (id: string, roundRps: number[]): CaseStats => ({
  id, label: id, connections: 50, runs: roundRps.length, rps: NaN, p50Ms: 1, p99Ms: 2, maxMs: 3, serverCpuUs: 1, toolCpuUs: 1, roundRps, requests: 1, socketErrors: 0, badStatus: 0
})

test('a goal is the median of its rounds\' ratios, not a ratio of two medians taken from different rounds', () => {
  // a neighbour slowed the read in round 2 and /hello in round 4; the rounds' ratios are 0.7 but for those two
  const read = stats('read', [14_000, 7_000, 21_000, 14_000, 17_500])
  const hello = stats('hello', [20_000, 20_000, 30_000, 10_000, 25_000])
  assert.deepEqual(roundRatios(read, hello), [0.7, 0.35, 0.7, 1.4, 0.7])
  assert.equal(roundRatio(read, hello), 0.7)
  // the ratio of the medians would be 14,000 / 20,000
  assert.equal(roundRatiosText(read, hello), 'rounds 0.70/0.35/0.70/1.40/0.70')
})

test('only the rounds both cases ran count, and an even count takes the middle two', () => {
  const a = stats('a', [10, 20, 30, 40, 50])
  const b = stats('b', [10, 10, 10])
  assert.deepEqual(roundRatios(a, b), [1, 2, 3])
  assert.equal(roundRatio(stats('c', [1, 3, 2, 4]), stats('d', [1, 1, 1, 1])), 2.5)
})

test('no ratio without both cases or without a round with answers', () => {
  assert.ok(Number.isNaN(roundRatio(undefined, stats('b', [1]))))
  assert.ok(Number.isNaN(roundRatio(stats('a', [1]), stats('b', [0]))))
  assert.equal(roundRatiosText(stats('a', []), stats('b', [])), 'no round')
})
