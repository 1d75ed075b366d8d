import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, stats } from '@stickless/test-support'
import { session, settledStoreFor } from './fixtures.js'

async function commandCounts (ports: number[]): Promise<Record<string, number>> {
  const out: Record<string, number> = { get: 0, set: 0, touch: 0, cas: 0 }
  for (const port of ports) {
    const s = await stats(port)
    out.get! += s.get('cmd_get') ?? 0
    out.set! += s.get('cmd_set') ?? 0 // memcached counts set, add and cas attempts here
    out.touch! += s.get('cmd_touch') ?? 0
    out.cas! += (s.get('cas_hits') ?? 0) + (s.get('cas_badval') ?? 0) + (s.get('cas_misses') ?? 0)
  }
  return out
}

test('an unchanged session costs no write; a read is one get; a due touch is one touch per replica', async (t) => {
  const servers = await startMemcached(t, 2)
  const ports = servers.map((s) => s.port)
  const store = await settledStoreFor(t, servers, { touchAfterMs: 60_000 })
  await store.setSession('s', session({ user: 'alice', cart: ['a'], at: new Date() }))
  const before = await commandCounts(ports)
  for (let i = 0; i < 10; i++) {
    const s = await store.getSession('s')
    await store.setSession('s', s!) // unchanged: rolling @fastify/session calls set anyway
  }
  const after = await commandCounts(ports)
  assert.equal(after.set! - before.set!, 0, 'no write')
  assert.equal(after.get! - before.get!, 10, 'one get per read')
  assert.equal(after.touch! - before.touch!, 0, 'a read never touches')
  assert.equal(store.counters().skippedWrites, 10)
})

test('an unchanged rolling save writes once per extension interval, not per request', async (t) => {
  const servers = await startMemcached(t, 2)
  const ports = servers.map((s) => s.port)
  // maxAge 2 s: the interval is a tenth of it (200 ms), under touchAfterMs
  const store = await settledStoreFor(t, servers, { touchAfterMs: 60_000 })
  await store.setSession('s', session({ user: 'alice' }, 2000))
  const before = await commandCounts(ports)
  const started = Date.now()
  let requests = 0
  while (Date.now() - started < 1000) {
    const s = await store.getSession('s')
    // what a rolling save does: the same data, the cookie's expiry moved to now + maxAge
    // (@fastify/session hands back the expiry the read reported as originalExpires)
    const cookie = s!.cookie as { expires: string }
    await store.setSession('s', { ...s, cookie: { ...cookie, originalExpires: cookie.expires, expires: new Date(Date.now() + 2000) } })
    requests++
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const after = await commandCounts(ports)
  const writes = after.cas! - before.cas!
  assert.ok(requests >= 20, `${requests} requests`)
  assert.ok(writes >= 3 && writes <= 10, `about one write per 200 ms over 1 s, got ${writes} for ${requests} requests`)
  assert.equal(after.touch! - before.touch!, 0, 'reads never touch')
})

test('a changed session is a gets on the other replica and one cas on each (no write replaces a revision it did not read)', async (t) => {
  const servers = await startMemcached(t, 2)
  const ports = servers.map((s) => s.port)
  const store = await settledStoreFor(t, servers)
  await store.setSession('s', session({ cart: [] }))
  const s = await store.getSession('s')
  const before = await commandCounts(ports)
  await store.setSession('s', { ...s, cart: ['x'] })
  const after = await commandCounts(ports)
  assert.equal(after.cas! - before.cas!, 2, 'a cas on each replica, on the copy read there')
  assert.equal(after.set! - before.set!, 2, 'no plain set')
  assert.equal(after.get! - before.get!, 1, "the read's cas token serves its replica; the other is read once")
})
