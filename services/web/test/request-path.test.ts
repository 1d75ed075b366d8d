// The "This request" panel's data, from the Server-Timing entries the
// browser saw for one response: the path and each part's time.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseServerTiming, requestPath } from '../src/tracing/request-path.js'

test('through the LB with a retry: LB, both attempts in order, the node, the store', () => {
  const header = 'node;dur=3.1, store-read;dur=0.8;desc="2 commands", store-write;dur=1.2;desc="2 commands", lb;dur=6.5, lb-attempt;dur=0.9;desc="web-1 ECONNREFUSED", lb-attempt;dur=4.7;desc="web-2"'
  const path = requestPath(parseServerTiming(header))
  assert.equal(path.viaLb, true)
  assert.equal(path.attempts, 2)
  assert.equal(path.totalMs, 6.5)
  assert.deepEqual(path.steps.map((s) => [s.hop, s.label, s.durationMs, s.failed]), [
    ['lb', 'load balancer', 6.5, false],
    ['attempt', 'attempt 1 on web-1', 0.9, true],
    ['attempt', 'attempt 2 on web-2', 4.7, false],
    ['node', 'web node', 3.1, false],
    ['store-read', 'memcached reads', 0.8, false],
    ['store-write', 'memcached writes', 1.2, false]
  ])
  assert.equal(path.steps[4]?.detail, '2 commands')
})

test('straight to a node: no LB steps, the node\'s total is the total', () => {
  const path = requestPath([{ name: 'node', duration: 2, description: '' }, { name: 'store-read', duration: 0.5, description: '1 command' }])
  assert.equal(path.viaLb, false)
  assert.equal(path.attempts, 0)
  assert.equal(path.totalMs, 2)
  assert.deepEqual(path.steps.map((s) => s.hop), ['node', 'store-read'])
})

test('the browser\'s PerformanceServerTiming shape works as it is; unknown metrics and bad durations are left out or zero', () => {
  const path = requestPath([
    { name: 'cdn-cache', duration: 1, description: 'HIT' },
    { name: 'lb', duration: Number.NaN, description: '' },
    { name: 'node', duration: -1, description: '' }
  ])
  assert.deepEqual(path.steps.map((s) => [s.hop, s.durationMs]), [['lb', 0], ['node', 0]])
  assert.deepEqual(requestPath([]), { steps: [], totalMs: undefined, viaLb: false, attempts: 0 })
})

test('parseServerTiming: several header values, quoted descriptions with commas and escapes, metrics without dur', () => {
  assert.deepEqual(parseServerTiming(['a;dur=1.5;desc="x, y"', 'b, c;desc=plain;dur=2', 'd;desc="say \\"hi\\""']), [
    { name: 'a', duration: 1.5, description: 'x, y' },
    { name: 'b', duration: 0, description: '' },
    { name: 'c', duration: 2, description: 'plain' },
    { name: 'd', duration: 0, description: 'say "hi"' }
  ])
})
