// Expiry follows the cookie, through the store on real memcached. The pure
// rules are in unit/expiry-policy.test.ts; these check what a framework sees. The
// store's clock is a test clock moved by hand, so sessions "live" minutes in
// milliseconds; what memcached itself keeps is judged by the TTL it reports
// (`mg <key> t`), not by waiting for it.
import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { rawCommand, sessionKey, startMemcached, stats, TestClock } from '@stickless/test-support'
import { session, settledStoreFor, storeFor } from './helpers/fixtures.js'
import type { MemcachedStore, MemcachedStoreOptions } from '../src/index.js'
import type { MemcachedProcess } from '@stickless/test-support'

const T0 = Date.UTC(2030, 0, 1)

async function clockedStore (t: TestContext, servers: readonly MemcachedProcess[], options: Partial<MemcachedStoreOptions> = {}): Promise<{ store: MemcachedStore, clock: TestClock }> {
  const clock = new TestClock(T0)
  return { store: storeFor(t, servers, { clock: clock.now, ...options }), clock }
}

/** The TTL memcached reports for a session's item, in seconds, on each server. */
async function ttlsOf (servers: readonly MemcachedProcess[], sid: string): Promise<number[]> {
  return await Promise.all(servers.map(async (s) => {
    const answer = await rawCommand(s.port, `mg ${sessionKey(sid)} t\r\n`)
    const m = /\bt(-?\d+)\b/.exec(answer)
    assert.ok(m !== null, `memcached on ${s.port} holds ${sid}: ${answer}`)
    return Number(m[1])
  }))
}

/** What a rolling save of express-session or @fastify/session sends: the data as read, the expiry moved to now + maxAge. */
async function rollingRequest (store: MemcachedStore, clock: TestClock, sid: string, maxAgeMs: number): Promise<boolean> {
  const s = await store.getSession(sid)
  if (s === null) return false
  // @fastify/session hands back the expiry the read reported as originalExpires
  const cookie = s.cookie as { expires: string }
  await store.setSession(sid, { ...s, cookie: { ...cookie, originalExpires: cookie.expires, originalMaxAge: maxAgeMs, expires: new Date(clock.now() + maxAgeMs) } })
  return true
}

test('the memcached TTL follows the cookie maxAge, and the session ends at it', async (t) => {
  const servers = await startMemcached(t, 2)
  const { store, clock } = await clockedStore(t, servers)
  await store.setSession('short', session({ n: 1 }, 10_000))
  await store.setSession('long', session({ n: 1 }, 600_000))
  // maxAge, plus a tenth of it (the margin for skipped saves, expiry.ts), plus memcached's whole second
  for (const ttl of await ttlsOf(servers, 'short')) assert.ok(ttl >= 10 && ttl <= 12, `short: ${ttl} s`)
  for (const ttl of await ttlsOf(servers, 'long')) assert.ok(ttl >= 600 && ttl <= 661, `long: ${ttl} s`)
  clock.advance(9_000)
  assert.ok(await store.getSession('short'), 'alive before its end')
  clock.advance(2_000)
  assert.equal(await store.getSession('short'), null, 'a miss past maxAge and its margin')
  assert.ok(await store.getSession('long'))
})

for (const [maxAgeMs, gapMs, runMs] of [[30_000, 10_000, 60_000], [10_000, 8_000, 40_000], [10_000, 500, 30_000]] as const) {
  test(`an active user is never logged out: maxAge ${maxAgeMs} ms, a request every ${gapMs} ms for ${runMs} ms`, async (t) => {
    const servers = await startMemcached(t, 2)
    const clock = new TestClock(T0)
    // touchAfterMs far above maxAge: the interval follows the session's own maxAge
    const store = await settledStoreFor(t, servers, { touchAfterMs: 180_000, clock: clock.now })
    await store.setSession('s', session({ user: 'alice' }, maxAgeMs))
    let requests = 0
    for (let elapsed = gapMs; elapsed <= runMs; elapsed += gapMs) {
      clock.advance(gapMs)
      assert.ok(await rollingRequest(store, clock, 's', maxAgeMs), `logged out after ${elapsed} ms`)
      requests++
    }
    const writes = (await stats(servers[0]!.port)).get('cas_hits') ?? 0
    // requests inside the margin (a tenth of maxAge) skip their unchanged save; later ones must write
    if (gapMs < maxAgeMs / 10) assert.ok(writes < requests, `unchanged saves were skipped between extensions (${writes} writes, ${requests} requests)`)
    else assert.equal(writes, requests, 'every request past the margin writes')
    // and once the user stops, the session ends maxAge (plus at most a tenth) later
    clock.advance(maxAgeMs)
    clock.advance(maxAgeMs / 10 + 1)
    assert.equal(await store.getSession('s'), null)
  })
}

test('rolling off: reads do not extend the expiry, nor the expiry they report', async (t) => {
  const servers = await startMemcached(t, 2)
  const { store, clock } = await clockedStore(t, servers, { touchAfterMs: 180_000 })
  const started = clock.now()
  await store.setSession('s', session({ user: 'alice' }, 15_000))
  const first = await store.getSession('s')
  const reported = new Date((first!.cookie as { expires: string }).expires).getTime()
  assert.equal(reported, started + 15_000)
  let livedMs = 0
  for (let step = 0; step < 40; step++) {
    const s = await store.getSession('s')
    if (s === null) break
    // the reported expiry stays put (in the last tenth, the margin, it reports the margin's end)
    if (clock.now() < reported) assert.equal(new Date((s.cookie as { expires: string }).expires).getTime(), reported, 'the reported expiry stays put')
    livedMs = clock.now() - started
    clock.advance(500)
  }
  assert.ok(livedMs >= 15_000 && livedMs < 16_500, `ended at its maxAge plus at most a tenth, after ${livedMs} ms`)
})

test('cookie.expires without maxAge sets the end and the memcached TTL', async (t) => {
  const servers = await startMemcached(t, 2)
  const { store, clock } = await clockedStore(t, servers, { idleTimeoutMs: 600_000 })
  const expires = new Date(clock.now() + 15_000)
  await store.setSession('s', { cookie: { originalMaxAge: null, expires, path: '/', httpOnly: true }, user: 'alice' })
  const s = await store.getSession('s')
  assert.equal((s!.cookie as { expires: string }).expires, expires.toISOString(), 'reported as set')
  for (const ttl of await ttlsOf(servers, 's')) assert.ok(ttl >= 15 && ttl <= 16, `a fixed end has no margin: ${ttl} s`)
  // an unchanged save with the same fixed expiry does not move it
  clock.advance(5_000)
  await store.setSession('s', s!)
  assert.equal((await store.getSession('s'))?.cookie !== undefined, true)
  clock.advance(10_000)
  assert.equal(await store.getSession('s'), null, 'a miss once expires has passed')
})

test('a session saved with an expiry already past is a miss', async (t) => {
  const servers = await startMemcached(t, 2)
  const { store, clock } = await clockedStore(t, servers)
  await store.setSession('past', { cookie: { originalMaxAge: null, expires: new Date(clock.now() - 1000) }, user: 'alice' })
  assert.equal(await store.getSession('past'), null)
  await store.setSession('past-max-age', { cookie: { originalMaxAge: 60_000, expires: new Date(clock.now() - 1) }, user: 'alice' })
  assert.equal(await store.getSession('past-max-age'), null)
})

test('an absolute lifetime ends even an active session, and a late write does not bring it back', async (t) => {
  const servers = await startMemcached(t, 2)
  const { store, clock } = await clockedStore(t, servers, { idleTimeoutMs: 10_000, absoluteTimeoutMs: 25_000, touchAfterMs: 1_000 })
  const started = clock.now()
  await store.setSession('s', session({ n: 1 }, 10_000))
  let livedMs = 0
  for (let step = 0; step < 60 && await rollingRequest(store, clock, 's', 10_000); step++) {
    livedMs = clock.now() - started
    clock.advance(1_000)
  }
  assert.equal(livedMs, 24_000, 'lived to its absolute lifetime, past two idle timeouts')
  // a late write fails with a code
  await assert.rejects(store.setSession('s', session({ n: 2 }, 10_000)), { code: 'STK_ERR_SESSION_DESTROYED' })
  assert.equal(await store.getSession('s'), null)
})
