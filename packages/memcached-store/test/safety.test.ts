import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, rawCommand, rawGet, sessionKey, stats } from '@stickless/test-support'
import { session, settledStoreFor, storeFor } from './helpers/fixtures.js'

test('a session id that would inject a command is refused before anything is sent', async (t) => {
  const servers = await startMemcached(t, 2)
  // settled: no probe of its own (the filled marker) among the commands counted
  const store = await settledStoreFor(t, servers)
  const before = (await stats(servers[0]!.port)).get('cmd_set')
  for (const evil of ['x\r\nflush_all', 'x y', 'x\nset a 0 0 1', 'x'.repeat(300)]) {
    await assert.rejects(store.setSession(evil, session({ a: 1 })), (err: Error & { code?: string }) => err.code === 'STK_ERR_INVALID_KEY')
    assert.equal(await store.getSession(evil), null, 'a lookup of an impossible id is a miss')
    await store.destroySession(evil)
  }
  assert.equal((await stats(servers[0]!.port)).get('cmd_set'), before)
  assert.equal((await stats(servers[0]!.port)).get('cmd_flush'), 0)
})

test('a value over the item size gets a coded error and no server holds any part of it', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  const big = 'x'.repeat(1024 * 1024)
  await assert.rejects(store.setSession('big', session({ big })), (err: Error & { code?: string, statusCode?: number }) =>
    err.code === 'STK_ERR_VALUE_TOO_LARGE' && err.statusCode === 413)
  for (const s of servers) assert.equal(await rawGet(s.port, sessionKey('big')), undefined)
  // an existing session that grows too large keeps its last good value
  await store.setSession('grow', session({ n: 1 }))
  const s = await store.getSession('grow')
  await assert.rejects(store.setSession('grow', { ...s, big }), (err: Error & { code?: string }) => err.code === 'STK_ERR_VALUE_TOO_LARGE')
  assert.equal((await store.getSession('grow'))?.n, 1)
})

test('with encryption, memcached holds neither readable nor forgeable values', async (t) => {
  const servers = await startMemcached(t, 2)
  const keys = ['a-secret-key-that-is-at-least-32-chars!!']
  const store = storeFor(t, servers, { encryptionKeys: keys })
  await store.setSession('enc', session({ user: 'alice', secret: 'card-1234' }))
  const raw = await rawGet(servers[0]!.port, sessionKey('enc'))
  assert.ok(raw !== undefined && !raw.includes('alice') && !raw.includes('card-1234'))
  // someone with access to memcached writes their own session
  const forged = `{"v":1,"c":${Date.now()},"w":${Date.now()},"t":60}\n{"user":"mallory"}`
  for (const s of servers) {
    assert.equal(await rawCommand(s.port, `set ${sessionKey('forged')} 0 60 ${Buffer.byteLength(forged)}\r\n${forged}\r\n`), 'STORED')
  }
  assert.equal(await store.getSession('forged'), null)
  // a valid value copied under another id does not decrypt there
  for (const s of servers) {
    assert.equal(await rawCommand(s.port, `set ${sessionKey('moved')} 0 60 ${Buffer.byteLength(raw)}\r\n${raw}\r\n`), 'STORED')
  }
  assert.equal(await store.getSession('moved'), null)
  assert.equal((await store.getSession('enc'))?.user, 'alice')
  // rotation: a store with a new first key still reads the old values
  const rotated = storeFor(t, servers, { encryptionKeys: ['the-new-key-also-at-least-32-characters', ...keys] })
  assert.equal((await rotated.getSession('enc'))?.user, 'alice')
})

test('a stored __proto__ payload cannot pollute prototypes, and Dates round-trip', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  const payload = JSON.parse('{"__proto__":{"polluted":"yes"},"user":"alice"}') as Record<string, unknown>
  const at = new Date('2026-11-24T12:00:00.000Z')
  await store.setSession('p', session({ ...payload, at }))
  const back = await store.getSession('p')
  const target: Record<string, unknown> = {}
  for (const key in back) target[key] = back[key]
  assert.equal((target as { polluted?: string }).polluted, undefined)
  assert.equal(({} as { polluted?: string }).polluted, undefined)
  assert.ok(back?.at instanceof Date)
  assert.equal((back.at).getTime(), at.getTime())
})
