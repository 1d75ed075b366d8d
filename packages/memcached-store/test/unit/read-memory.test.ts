// What a node remembers between a read and its write, without memcached.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { REVISION } from '../../src/framework/express-session-api.js'
import { ReadMemory } from '../../src/replication/read-memory.js'
import type { LiveRecord } from '../../src/record/session-record.js'

const T0 = Date.UTC(2030, 0, 1)
const read = { connId: 'a:1', cas: '9', dataText: '{"user":"alice"}' }

function live (over: Partial<LiveRecord> = {}): LiveRecord {
  return { version: 4, createdAt: T0, writtenAt: T0, ttlS: 60, data: { user: 'alice' }, cookie: { originalMaxAge: 60_000, expires: new Date(T0 + 60_000).toISOString() }, endsAt: T0 + 66_000, ...over }
}

test('a read names its revision on the session (a symbol no copy or JSON sees) and is remembered for the write', () => {
  const memory = new ReadMemory('_rev')
  const session = memory.sessionFromRead('sid', 'stk:s:sid', read, live(), 'user', T0 + 10)
  assert.equal((session as { [REVISION]?: unknown })[REVISION], '4')
  assert.deepEqual(Object.keys(session).sort(), ['cookie', 'user'])
  assert.equal(memory.revisionOf('sid', session, undefined), '4')
  const known = memory.knownRead('sid', '4')
  assert.equal(known?.cas, '9')
  assert.equal(known?.user, 'alice')
  memory.written('sid', 'stk:s:sid', '4')
  assert.equal(memory.knownRead('sid', '4'), undefined, 'spent by its write')
})

test('@fastify/session\'s copy loses the symbol; the expiry it hands back as originalExpires names the read', () => {
  const memory = new ReadMemory('_rev')
  const session = memory.sessionFromRead('sid', 'stk:s:sid', read, live(), 'user', T0 + 10)
  const expires = (session.cookie as { expires: string }).expires
  assert.equal(memory.revisionOf('sid', { user: 'alice' }, { originalExpires: expires }), '4')
  assert.equal(memory.revisionOf('other', { user: 'alice' }, { originalExpires: expires }), undefined, 'only for the same id')
  assert.equal(memory.revisionOf('sid', { _rev: '2' }, undefined), '2', 'the legacy field')
})

test('a skipped save\'s later expiry is reported by the next read of that revision, not of another', () => {
  const memory = new ReadMemory('_rev')
  memory.notePendingExpiry('stk:s:sid', 4, T0 + 61_000)
  const again = memory.sessionFromRead('sid', 'stk:s:sid', read, live(), 'user', T0 + 1000)
  assert.equal((again.cookie as { expires: string }).expires, new Date(T0 + 61_000).toISOString())
  const next = memory.sessionFromRead('sid', 'stk:s:sid', read, live({ version: 5 }), 'user', T0 + 1000)
  assert.equal((next.cookie as { expires: string }).expires, new Date(T0 + 60_000).toISOString())
})
