import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CaseStats } from '../src/http-bench.js'
import { pairedRatios, roundRatio, roundRatios, roundRatiosText } from '../src/round-ratio.js'

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

test('only the rounds both cases ran count', () => {
  const a = stats('a', [10, 20, 30, 40, 50])
  const b = stats('b', [10, 10, 10])
  assert.deepEqual(roundRatios(a, b), [1, 2, 3])
  assert.equal(roundRatio(a, b), 2)
})

test('with an even count of rounds, a cost of running first cancels: each forward round is paired with the reverse one after it', () => {
  // the 1-replica write pays 1.25x when it runs first, which is in every reverse round: the 2-replica write's true ratio is 0.9
  const two = stats('write-2', [9_000, 9_000, 9_000, 9_000, 9_000, 9_000])
  const one = stats('write-1', [10_000, 8_000, 10_000, 8_000, 10_000, 8_000])
  assert.deepEqual(roundRatios(two, one), [0.9, 1.125, 0.9, 1.125, 0.9, 1.125])
  const pairs = pairedRatios(two, one)
  assert.equal(pairs.length, 3)
  for (const p of pairs) assert.ok(Math.abs(p - Math.sqrt(0.9 * 1.125)) < 1e-12)
  assert.ok(Math.abs(roundRatio(two, one) - Math.sqrt(0.9 * 1.125)) < 1e-12)
  assert.equal(roundRatiosText(two, one), 'rounds 0.90/1.13 0.90/1.13 0.90/1.13, pairs 1.01/1.01/1.01')
  // the median of the same six rounds, unpaired, would be the middle two's mean
  assert.equal(roundRatio(stats('c', [1, 3, 2, 4]), stats('d', [1, 1, 1, 1])), (Math.sqrt(3) + Math.sqrt(8)) / 2)
})

test('a pair with a round that had no answers is left out, not the rounds around it', () => {
  const a = stats('a', [10, 20, 10, 10])
  const b = stats('b', [10, 0, 10, 10])
  assert.deepEqual(pairedRatios(a, b), [1])
  // a case that answered nothing in a round is a ratio of 0 there, paired or not: it counts against the goal
  assert.deepEqual(roundRatios(stats('c', [0, 10]), stats('d', [10, 10])), [0, 1])
  assert.deepEqual(pairedRatios(stats('c', [0, 10]), stats('d', [10, 10])), [0])
})

test('no ratio without both cases or without a round with answers', () => {
  assert.ok(Number.isNaN(roundRatio(undefined, stats('b', [1]))))
  assert.ok(Number.isNaN(roundRatio(stats('a', [1]), stats('b', [0]))))
  assert.equal(roundRatiosText(stats('a', []), stats('b', [])), 'no round')
})
