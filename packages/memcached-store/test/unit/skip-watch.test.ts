import assert from 'node:assert/strict'
import { test } from 'node:test'
import { suspect, TickClock, watchIntervalMs } from '../../src/policy/skip-watch.js'

test('markers are looked for every quarter of the shortest timeout, never less often than the probes', () => {
  assert.equal(watchIntervalMs(1_000, [300, 1_000]), 75)
  assert.equal(watchIntervalMs(1_000, [1_000]), 250)
  assert.equal(watchIntervalMs(100, [1_000]), 100, 'probes more often than that: their interval')
  assert.equal(watchIntervalMs(1_000, [20]), 10, 'a floor, so a tiny timeout does not spin')
})

test('a skip is announced at half the timeout of silence: a quarter before the first write past the server', () => {
  assert.equal(suspect(0, 1_000), false)
  assert.equal(suspect(499, 1_000), false)
  assert.equal(suspect(500, 1_000), true)
  // announced at 0.5, seen by every node within a watch interval (0.25): 0.75 < 1, when the server is marked down
  assert.ok(0.5 + 0.25 < 1)
})

test('a tick that came late (a busy event loop) raises no suspicion', () => {
  let now = 0
  const clock = new TickClock(100, () => now)
  assert.equal(clock.tickRanLate(), false, 'the first tick')
  now = 100
  assert.equal(clock.tickRanLate(), false)
  now = 220
  assert.equal(clock.tickRanLate(), false, '20 ms late is on time')
  now = 400
  assert.equal(clock.tickRanLate(), true, '80 ms late: our loop was busy')
})
