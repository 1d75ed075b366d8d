import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeJson } from '../src/codec.js'
import type { SessionRecord } from '../src/session-record.js'
import { mergeDiverged, newestIndex, relationTo, sameRevision, type Revision } from '../src/write-plan.js'

function rev (v: number, w: number, d: Record<string, unknown>, extra: Partial<SessionRecord> = {}): Revision {
  return { record: { version: v, createdAt: 1, writtenAt: w, ttlS: 60, data: d, ...extra }, dataText: encodeJson(d) }
}

test('the same revision is the same version, write time and data', () => {
  assert.ok(sameRevision(rev(3, 10, { cart: ['a'] }), rev(3, 10, { cart: ['a'] })))
  assert.ok(!sameRevision(rev(3, 10, { cart: ['a'] }), rev(3, 11, { cart: ['a'] })))
  assert.ok(!sameRevision(rev(3, 10, { cart: ['a'] }), rev(3, 10, { cart: ['b'] })))
})

test('a write builds on the newest copy any replica holds', () => {
  assert.equal(newestIndex([undefined, undefined]), -1)
  assert.equal(newestIndex([rev(2, 5, {}), rev(4, 1, {})]), 1)
  assert.equal(newestIndex([rev(4, 9, {}), undefined, rev(4, 1, {})]), 0)
})

test('a copy a write never read, newer than all it read, is diverged: the partitioned node wrote it', () => {
  const base = rev(5, 100, { cart: ['a'] })
  const ours = rev(6, 200, { cart: ['a', 'b'] })
  const partitioned = rev(6, 150, { cart: ['a', 'c'] })
  // same version as ours and older by write time, yet not ours to overwrite:
  // only a revision the write read vouches for older copies
  assert.equal(relationTo(partitioned, ours, { read: [base], written: [ours] }), 'diverged')
  assert.equal(relationTo(ours, ours, { read: [base], written: [ours] }), 'holds')
  assert.equal(relationTo(base, ours, { read: [base], written: [ours] }), 'covered')
  assert.equal(relationTo(rev(4, 50, { cart: [] }), ours, { read: [base], written: [ours] }), 'covered', 'a lagging replica')
  assert.equal(relationTo(undefined, ours, { read: [base], written: [ours] }), 'covered', 'a miss')
})

test('a diverged copy is merged against the copy last seen on its replica: both sides keep their items', () => {
  const base = rev(5, 100, { cart: ['a'], user: 'u' })
  const merged = mergeDiverged(base, rev(6, 150, { cart: ['a', 'c'], user: 'u' }), rev(6, 200, { cart: ['a', 'b'], user: 'u' }), 300)
  assert.deepEqual(merged.record.data, { cart: ['a', 'c', 'b'], user: 'u' })
  assert.equal(merged.record.version, 7, 'newer than both')
  assert.equal(merged.record.writtenAt, 300)
  assert.equal(merged.dataText, encodeJson(merged.record.data))
})

test('a merged revision reports an expiry of its own, past both sides\' (a read names its revision by it)', () => {
  const cookie = (ms: number): Record<string, unknown> => ({ originalMaxAge: 60_000, expires: new Date(ms).toISOString() })
  const theirs = rev(6, 150, { cart: ['c'] }, { cookie: cookie(70_000), endsAt: 76_000 })
  const ours = rev(6, 200, { cart: ['b'] }, { cookie: cookie(60_200), endsAt: 66_200 })
  const merged = mergeDiverged(undefined, theirs, ours, 300)
  assert.equal(merged.record.cookie?.expires, new Date(70_001).toISOString())
  assert.equal(merged.record.endsAt, 76_001)
})

test('a later write already holding ours merges to itself: nothing is added twice', () => {
  const ours = rev(6, 200, { cart: ['a', 'b'] })
  const later = rev(7, 250, { cart: ['a', 'b', 'c'] })
  assert.deepEqual(mergeDiverged(ours, later, ours, 300).record.data, { cart: ['a', 'b', 'c'] })
})

test('a tombstone wins any merge: a logout is never undone', () => {
  const tomb: Revision = { record: { version: Number.MAX_SAFE_INTEGER, createdAt: 1, writtenAt: 5, ttlS: 60, destroyed: true }, dataText: undefined }
  assert.equal(mergeDiverged(undefined, tomb, rev(6, 200, { cart: ['b'] }), 300), tomb)
})

test('a hint known only by its text is decoded for a merge', () => {
  const hint: Revision = { record: { version: 5, createdAt: 1, writtenAt: 100, ttlS: 0 }, dataText: encodeJson({ cart: ['a'] }) }
  const merged = mergeDiverged(hint, rev(6, 150, { cart: ['a', 'c'] }), rev(6, 200, { cart: ['a', 'b'] }), 300)
  assert.deepEqual(merged.record.data, { cart: ['a', 'c', 'b'] })
})
