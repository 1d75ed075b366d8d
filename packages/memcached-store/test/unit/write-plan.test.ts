import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeJson } from '../../src/record/codec.js'
import type { SessionRecord } from '../../src/record/session-record.js'
import { basisOf, includes, lineageOf, mergeDiverged, relationTo, sameRevision, supersedes, type Revision } from '../../src/policy/write-plan.js'

function rev (v: number, w: number, d: Record<string, unknown>, extra: Partial<SessionRecord> = {}): Revision {
  return { record: { version: v, createdAt: 1, writtenAt: w, ttlS: 60, data: d, ...extra }, dataText: encodeJson(d) }
}

test('the same revision is the same version, write time and data', () => {
  assert.ok(sameRevision(rev(3, 10, { cart: ['a'] }), rev(3, 10, { cart: ['a'] })))
  assert.ok(!sameRevision(rev(3, 10, { cart: ['a'] }), rev(3, 11, { cart: ['a'] })))
  assert.ok(!sameRevision(rev(3, 10, { cart: ['a'] }), rev(3, 10, { cart: ['b'] })))
})

test('a write builds on the newest copy any replica holds, when that copy includes the others', () => {
  assert.equal(basisOf([undefined, undefined]), undefined)
  const older = rev(2, 5, { cart: ['a'] }, { lineage: ['r1', 'r2'] })
  const newer = rev(4, 1, { cart: ['a', 'b'] }, { lineage: ['r1', 'r2', 'r3', 'r4'] })
  assert.equal(basisOf([older, newer]), newer)
  assert.equal(basisOf([newer, undefined, older]), newer)
})

test('siblings (two writers built on one copy, each ordered on its own first replica) are joined: neither side\'s items are lost', () => {
  const parent = rev(5, 100, { cart: ['a'] }, { lineage: ['p'] })
  const left = rev(6, 200, { cart: ['a', 'b'] }, { lineage: ['p', 'l'] })
  const right = rev(6, 150, { cart: ['a', 'c'] }, { lineage: ['p', 'r'] })
  assert.ok(includes(left, parent) && includes(right, parent))
  assert.ok(!includes(left, right) && !includes(right, left), 'a larger write time does not make one include the other')
  const basis = basisOf([parent, right, left])
  assert.deepEqual(basis?.record.data, { cart: ['a', 'b', 'c'] })
  assert.deepEqual(basis?.record.lineage?.slice(0, 3), ['p', 'r', 'l'])
  assert.deepEqual(basis?.record.heads, ['l', 'r'], 'the join\'s heads: the newest write of each sibling')
  assert.ok(basis !== undefined && includes(basis, left) && includes(basis, right))
  // a cart may hold one item twice: the join keeps as many as the side holding most, never more
  const twice = basisOf([rev(6, 1, { cart: ['x', 'x'] }, { lineage: ['p', 'q'] }), rev(6, 2, { cart: ['x', 'y'] }, { lineage: ['p', 's'] })])
  assert.deepEqual(twice?.record.data, { cart: ['x', 'y', 'x'] })
})

test('a second copy of one sibling does not replace the join of two (three replicas while the pool changes)', () => {
  const newer = rev(3, 878, { cart: ['a', 'c'] }, { lineage: ['p', 'q', 'r'] })
  const older = rev(3, 876, { cart: ['a', 'b'] }, { lineage: ['p', 'q', 's'] })
  // the join's lineage ends with the older sibling's id; a copy of that sibling holds it too
  for (const copies of [[older, newer, { ...older }], [newer, older, older], [older, older, newer]]) {
    const basis = basisOf(copies)
    assert.deepEqual([...(basis?.record.data?.cart as string[])].sort(), ['a', 'b', 'c'], 'both siblings\' items')
  }
  // a later copy that includes both siblings is the basis itself
  const merged = rev(4, 900, { cart: ['a', 'b', 'c'] }, { lineage: ['p', 'q', 'r', 's', 'm+'] })
  assert.equal(basisOf([older, newer, merged]), merged)
})

test('a join handed on (a read for a write joined siblings) is a merge: a copy of one sibling does not include it, and the same siblings give the same join', () => {
  const parent = rev(5, 100, { cart: [] }, { lineage: ['p'] })
  const left = rev(6, 200, { cart: ['b'] }, { lineage: ['p', 'l'] })
  const right = rev(6, 150, { cart: ['c'] }, { lineage: ['p', 'r'] })
  const join = basisOf([left, right, parent])
  assert.ok(join !== undefined)
  assert.equal(join.record.lineage?.at(-1)?.endsWith('+'), true, 'a join ends its lineage with a merge id')
  assert.deepEqual(basisOf([right, parent, left])?.record.lineage, join.record.lineage, 'either order, on any node: one join')
  for (const sibling of [left, right]) {
    assert.ok(!includes(sibling, join), 'a sibling does not include the join of it and another')
    // the write's replicas: the read's join for its own replica, a sibling on the other
    assert.deepEqual([...(basisOf([join, sibling])?.record.data?.cart as string[])].sort(), ['b', 'c'])
  }
  const later = rev(8, 300, { cart: ['b', 'c', 'd'] }, { lineage: lineageOf([join.record], 'w') })
  assert.equal(basisOf([join, later, left]), later, 'a write built on the join includes both siblings')
})

test('copies written without a lineage are ordered by version', () => {
  assert.ok(includes(rev(6, 1, {}), rev(5, 9, {})))
  assert.ok(!includes(rev(5, 9, {}), rev(6, 1, {})))
  assert.deepEqual(lineageOf([rev(1, 1, {}).record, { ...rev(1, 1, {}).record, lineage: ['a', 'b'] }], 'c'), ['a', 'b', 'c'])
})

test('a copy the write does not include is diverged: the partitioned node wrote it', () => {
  const base = rev(5, 100, { cart: ['a'] }, { lineage: ['p'] })
  const ours = rev(6, 200, { cart: ['a', 'b'] }, { lineage: ['p', 'o'] })
  const partitioned = rev(6, 150, { cart: ['a', 'c'] }, { lineage: ['p', 'x'] })
  assert.equal(relationTo(partitioned, ours), 'diverged')
  assert.equal(relationTo(ours, ours), 'holds')
  assert.equal(relationTo(base, ours), 'covered')
  assert.equal(relationTo(undefined, ours), 'covered', 'a miss')
  const mergedElsewhere = rev(7, 250, { cart: ['a', 'b', 'c'] }, { lineage: ['p', 'o', 'x', 'm+'] })
  assert.equal(relationTo(mergedElsewhere, ours), 'includes-ours', 'another node merged ours in')
})

test('a revision supersedes the ones it includes, never itself or a sibling', () => {
  const base = rev(5, 100, { cart: ['a'] }, { lineage: ['p'] })
  const ours = rev(6, 200, { cart: ['a', 'b'] }, { lineage: ['p', 'o'] })
  const sibling = rev(6, 150, { cart: ['a', 'c'] }, { lineage: ['p', 'x'] })
  assert.ok(supersedes(ours, base))
  assert.ok(!supersedes(base, ours))
  assert.ok(!supersedes(ours, ours), 'the same revision: nothing to copy')
  assert.ok(!supersedes(ours, sibling) && !supersedes(sibling, ours), 'siblings wait for the next write to join them')
})

test('a diverged copy is merged against the copy last seen on its replica: both sides keep their items', () => {
  const base = rev(5, 100, { cart: ['a', 'gone'], user: 'u' }, { lineage: ['p'] })
  const merged = mergeDiverged([base], rev(6, 150, { cart: ['a', 'c'], user: 'u' }, { lineage: ['p', 't'] }), rev(6, 200, { cart: ['a', 'gone', 'b'], user: 'u' }, { lineage: ['p', 'o'] }), 300, 'm')
  assert.deepEqual(merged.record.data, { cart: ['a', 'c', 'b'], user: 'u' }, 'a removal on their side stays removed')
  assert.deepEqual(merged.record.lineage, ['p', 't', 'o', 'm'])
  assert.deepEqual(merged.record.heads, ['o', 't'])
  assert.equal(merged.record.version, 7, 'newer than both')
  assert.equal(merged.record.writtenAt, 300)
  assert.equal(merged.dataText, encodeJson(merged.record.data))
})

test('a merged revision reports an expiry of its own, past both sides\' (a read names its revision by it)', () => {
  const cookie = (ms: number): Record<string, unknown> => ({ originalMaxAge: 60_000, expires: new Date(ms).toISOString() })
  const theirs = rev(6, 150, { cart: ['c'] }, { cookie: cookie(70_000), endsAt: 76_000 })
  const ours = rev(6, 200, { cart: ['b'] }, { cookie: cookie(60_200), endsAt: 66_200 })
  const merged = mergeDiverged([], theirs, ours, 300, 'm')
  assert.equal(merged.record.cookie?.expires, new Date(70_001).toISOString())
  assert.equal(merged.record.endsAt, 76_001)
})

test('a later write already holding ours merges to itself: nothing is added twice', () => {
  const ours = rev(6, 200, { cart: ['a', 'b'] }, { lineage: ['p', 'o'] })
  const later = rev(7, 250, { cart: ['a', 'b', 'c'] }, { lineage: ['p', 'o', 'l'] })
  assert.deepEqual(mergeDiverged([ours], later, ours, 300, 'm').record.data, { cart: ['a', 'b', 'c'] })
})

test('a tombstone wins any merge: a logout is never undone', () => {
  const tomb: Revision = { record: { version: Number.MAX_SAFE_INTEGER, createdAt: 1, writtenAt: 5, ttlS: 60, destroyed: true }, dataText: undefined }
  assert.equal(mergeDiverged([], tomb, rev(6, 200, { cart: ['b'] }), 300, 'm'), tomb)
})

test('a hint known only by its text is decoded for a merge', () => {
  const hint: Revision = { record: { version: 5, createdAt: 1, writtenAt: 100, ttlS: 0, lineage: ['p'] }, dataText: encodeJson({ cart: ['a'] }) }
  const merged = mergeDiverged([hint], rev(6, 150, { cart: ['a', 'c'] }, { lineage: ['p', 't'] }), rev(6, 200, { cart: ['a', 'b'] }, { lineage: ['p', 'o'] }), 300, 'm')
  assert.deepEqual(merged.record.data, { cart: ['a', 'c', 'b'] })
})

test('a merge takes the latest common ancestor as its base: against an older one, items both sides gained since would be doubled', () => {
  const root = rev(1, 1, { cart: [] }, { lineage: ['r'] })
  const shared = rev(2, 2, { cart: ['i7'] }, { lineage: ['r', 's'] })
  const theirs = rev(3, 3, { cart: ['i7', 'i5'] }, { lineage: ['r', 's', 't'] })
  const ours = rev(3, 4, { cart: ['i7', 'i8'] }, { lineage: ['r', 's', 'o'] })
  assert.deepEqual(mergeDiverged([root, shared], theirs, ours, 5, 'm').record.data, { cart: ['i7', 'i5', 'i8'] })
  // only the older ancestor at hand: the join, which doubles nothing
  assert.deepEqual(mergeDiverged([root], theirs, ours, 5, 'm').record.data, { cart: ['i7', 'i8', 'i5'] })
})

test('a merge hands on writes only, newest first from each side, so a burst of merges keeps the writes it holds', () => {
  // eight merges of merges, each joining a fresh write: with merge ids handed
  // on, the window held merges and lost the writes
  let ours = rev(1, 1, { cart: [] }, { lineage: ['w0'] })
  for (let i = 1; i <= 8; i++) {
    const theirs = rev(ours.record.version + 1, 10 * i, { cart: [`i${i}`] }, { lineage: lineageOf([ours.record], `w${i}`) })
    ours = mergeDiverged([], theirs, ours, 10 * i + 1, `m${i}+`)
    assert.ok(includes(ours, theirs), `merge ${i} includes the write it merged`)
  }
  assert.equal(ours.record.lineage?.filter((id) => id.endsWith('+')).length, 1, 'only its own merge id')
  assert.deepEqual(ours.record.lineage?.slice(-4), ['w6', 'w7', 'w8', 'm8+'])
})

test('a copy includes a merge once it holds the merge\'s heads, though the merge\'s older ids have left its lineage', () => {
  const left = rev(3, 30, { cart: ['a', 'l'] }, { lineage: ['login', 'a', 'l'] })
  const right = rev(3, 31, { cart: ['a', 'r'] }, { lineage: ['login', 'a', 'r'] })
  const merge = mergeDiverged([rev(2, 20, { cart: ['a'] }, { lineage: ['login', 'a'] })], left, right, 40, 'm+')
  assert.deepEqual(merge.record.heads, ['r', 'l'])
  // the other merge of the same two siblings, then six writes on it: 'login' and 'a' have left the lineage
  let later = mergeDiverged([], right, left, 41, 'n+')
  for (let i = 1; i <= 6; i++) later = rev(later.record.version + 1, 50 + i, { cart: ['a', 'l', 'r'] }, { lineage: lineageOf([later.record], `w${i}`) })
  assert.equal(later.record.lineage?.includes('login'), false)
  assert.ok(includes(later, merge), 'it holds both heads')
  assert.ok(supersedes(later, merge), 'so a repair may store it over the merge')
  const withoutRight = rev(9, 60, { cart: ['a', 'l', 'x'] }, { lineage: ['login', 'a', 'l', 'x1', 'x2', 'x3', 'x4', 'x5'] })
  assert.ok(!includes(withoutRight, merge), 'a copy lacking one head does not include it')
})
