// What a save becomes and when a session ends, on a made-up clock: no memcached.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeJson } from '../../src/record/codec.js'
import { isLive, nextRecord, remainingTtl, splitSession, tombstone, ttlFor, type KnownRead, type Save } from '../../src/policy/session-rules.js'
import type { SessionRecord } from '../../src/record/session-record.js'

const T0 = Date.UTC(2030, 0, 1)
const settings = { idleTimeoutMs: 30 * 60_000, absoluteTimeoutMs: 12 * 3600_000, touchAfterMs: 180_000 }

function record (over: Partial<SessionRecord> = {}): SessionRecord {
  return { version: 3, createdAt: T0, writtenAt: T0 + 10, ttlS: 60, data: { user: 'alice', cart: ['a'] }, ...over }
}

function save (data: Record<string, unknown>, over: Partial<Save> = {}): Save {
  return { data, dataText: encodeJson(data), cookie: { originalMaxAge: 60_000, path: '/' }, known: undefined, revision: undefined, now: T0 + 1000, ...over }
}

function knownOf (r: SessionRecord): KnownRead {
  return { connId: 'a:1', cas: '7', version: r.version, createdAt: r.createdAt, writtenAt: r.writtenAt, dataText: encodeJson(r.data), maxAge: 60_000, user: 'alice' }
}

test('a session is live until its absolute lifetime or its recorded end, to the millisecond; a tombstone never is', () => {
  const r = record({ endsAt: T0 + 5000 })
  assert.equal(isLive(r, T0 + 4999, settings), true)
  assert.equal(isLive(r, T0 + 5000, settings), false)
  assert.equal(isLive(record(), T0 + settings.absoluteTimeoutMs - 1, settings), true)
  assert.equal(isLive(record(), T0 + settings.absoluteTimeoutMs, settings), false)
  assert.equal(isLive(tombstone(T0, settings), T0, settings), false)
  assert.equal(isLive(undefined, T0, settings), false)
})

test('memcached keeps an item its idle time plus a second, never past the absolute lifetime nor 30 days', () => {
  assert.equal(ttlFor(undefined, T0, T0, settings), 30 * 60 + 1, 'no cookie: the idle timeout')
  assert.equal(ttlFor({ originalMaxAge: 10_000 }, T0, T0, settings), 11, 'the cookie maxAge')
  assert.equal(ttlFor({ originalMaxAge: 10_000 }, T0, T0 + settings.absoluteTimeoutMs - 4000, settings), 5, 'what is left of the absolute lifetime')
  assert.equal(ttlFor(undefined, T0, T0, { ...settings, idleTimeoutMs: 90 * 86_400_000, absoluteTimeoutMs: 100 * 86_400_000 }), 30 * 86_400)
  assert.equal(ttlFor({ originalMaxAge: 10_000 }, T0, T0, settings, T0 + 20_000), 21, 'a recorded end wins over maxAge')
  assert.equal(remainingTtl(record({ cookie: { originalMaxAge: 10_000 } }), T0 + 2000, settings), 11)
  assert.equal(remainingTtl(tombstone(T0, settings), T0 + 2000, settings), 12 * 3600, 'a tombstone keeps its own TTL: the absolute lifetime')
})

test('a first save creates version 1, created and written now, with the cookie\'s end recorded', () => {
  const outcome = nextRecord(undefined, save({ user: 'alice' }), settings)
  assert.equal(outcome.kind, 'write')
  if (outcome.kind !== 'write') return
  assert.equal(outcome.merged, false)
  assert.equal(outcome.record.version, 1)
  assert.equal(outcome.record.createdAt, T0 + 1000)
  assert.equal(outcome.record.writtenAt, T0 + 1000)
  // maxAge 60 s, plus its tenth as the margin for skipped saves
  assert.equal(outcome.record.endsAt, T0 + 1000 + 60_000 + 6000)
  assert.equal(outcome.record.cookie?.expires, new Date(T0 + 1000 + 60_000).toISOString())
  assert.deepEqual(outcome.record.data, { user: 'alice' })
})

test('a save over the copy it read writes the next version and keeps the creation time', () => {
  const current = record()
  const outcome = nextRecord(current, save({ user: 'alice', cart: ['a', 'b'] }, { known: knownOf(current), revision: '3' }), settings)
  assert.equal(outcome.kind === 'write' && outcome.record.version, 4)
  assert.equal(outcome.kind === 'write' && outcome.record.createdAt, T0)
  assert.equal(outcome.kind === 'write' && outcome.merged, false)
})

test('a copy newer than the one read is merged against what was read: neither change is lost', () => {
  const read = record()
  const newer = record({ version: 4, data: { user: 'alice', cart: ['a', 'from-elsewhere'] } })
  const outcome = nextRecord(newer, save({ user: 'alice', cart: ['a', 'mine'] }, { known: knownOf(read), revision: '3' }), settings)
  assert.equal(outcome.kind, 'write')
  if (outcome.kind !== 'write') return
  assert.equal(outcome.merged, true)
  assert.equal(outcome.record.version, 5)
  assert.deepEqual([...(outcome.record.data?.cart as string[])].sort(), ['a', 'from-elsewhere', 'mine'])
  assert.equal(outcome.dataText, undefined, 'the merged data is encoded afresh')
})

test('an older copy (a replica being refilled) is not a concurrent change: the save wins as sent', () => {
  const older = record({ version: 2, data: { user: 'alice', cart: [] } })
  const outcome = nextRecord(older, save({ user: 'alice', cart: ['a', 'b'] }, { known: knownOf(record()), revision: '3' }), settings)
  assert.equal(outcome.kind === 'write' && outcome.merged, false)
  assert.deepEqual(outcome.kind === 'write' && outcome.record.data, { user: 'alice', cart: ['a', 'b'] })
  assert.equal(outcome.kind === 'write' && outcome.record.version, 4)
})

test('a save over a tombstone is refused; one past the absolute lifetime writes nothing', () => {
  assert.deepEqual(nextRecord(tombstone(T0, settings), save({ user: 'alice' }), settings), { kind: 'destroyed' })
  assert.deepEqual(nextRecord(record(), save({ user: 'alice' }, { now: T0 + settings.absoluteTimeoutMs }), settings), { kind: 'ended' })
})

test('a framework session splits into data and a plain cookie; the revision field and functions are dropped', () => {
  const when = new Date(T0)
  const { data, cookie } = splitSession({ user: 'alice', _rev: '3', fn: () => 1, gone: undefined, cookie: { toJSON: () => ({ expires: when, originalMaxAge: 5, nested: { no: 1 } }) } }, '_rev')
  assert.deepEqual(data, { user: 'alice' })
  assert.deepEqual(cookie, { expires: when.toISOString(), originalMaxAge: 5 })
})
