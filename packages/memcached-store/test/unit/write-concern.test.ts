import { test } from 'node:test'
import assert from 'node:assert/strict'
import { conflictPauseMs, judgeAcks } from '../../src/policy/write-concern.js'

test('available: one acknowledgement is enough; none is "unavailable"', () => {
  assert.deepEqual(judgeAcks(1, 2, 'available', 2), { ok: true, acks: 1, failed: 1 })
  assert.deepEqual(judgeAcks(0, 2, 'available', 2), { ok: false, acks: 0, failed: 2, needed: 1, code: 'STK_ERR_STORE_UNAVAILABLE' })
})

test('all, majority and a number count the whole replica set, sent or not', () => {
  // one replica marked down was not even sent the write: 1 of 1 sent is still 1 of 2
  assert.deepEqual(judgeAcks(1, 1, 'all', 2), { ok: false, acks: 1, failed: 0, needed: 2, code: 'STK_ERR_WRITE_CONCERN' })
  assert.equal(judgeAcks(2, 2, 'all', 2).ok, true)
  assert.equal(judgeAcks(2, 3, 'majority', 3).ok, true)
  assert.deepEqual(judgeAcks(1, 3, 'majority', 3), { ok: false, acks: 1, failed: 2, needed: 2, code: 'STK_ERR_WRITE_CONCERN' })
  assert.equal(judgeAcks(2, 2, 3, 2).ok, true, 'a number above the replica count asks for every replica')
})

test('the conflict pause is jittered within a bound that doubles per lost round, up to 50 ms', () => {
  assert.equal(conflictPauseMs(0, 0), 0)
  assert.equal(conflictPauseMs(0, 0.999), 0.999)
  assert.equal(conflictPauseMs(3, 0.5), 4)
  assert.equal(conflictPauseMs(10, 0.5), 25)
  assert.ok(conflictPauseMs(30, 0.999999) < 50)
})
