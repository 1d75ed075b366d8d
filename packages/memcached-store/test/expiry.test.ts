// Expiry follows the cookie, against real memcached. The pure rules are in
// expiry-policy.test.ts; these check what a framework sees through the store.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, rawGet, sessionKey, stats, waitFor } from '@stickless/test-support'
import { session, settledStoreFor, storeFor } from './fixtures.js'
import type { MemcachedStore } from '../src/index.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** What a rolling save of express-session or @fastify/session sends: the data as read, the expiry moved to now + maxAge. */
async function rollingRequest (store: MemcachedStore, sid: string, maxAgeMs: number): Promise<boolean> {
  const s = await store.getSession(sid)
  if (s === null) return false
  // @fastify/session hands back the expiry the read reported as originalExpires
  const cookie = s.cookie as { expires: string }
  await store.setSession(sid, { ...s, cookie: { ...cookie, originalExpires: cookie.expires, originalMaxAge: maxAgeMs, expires: new Date(Date.now() + maxAgeMs) } })
  return true
}

test('the memcached TTL follows the cookie maxAge', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  await store.setSession('short', session({ n: 1 }, 1000))
  await store.setSession('long', session({ n: 1 }, 60_000))
  assert.ok(await store.getSession('short'))
  await waitFor('short session expired', async () => await store.getSession('short') === null, 5000)
  assert.ok(await store.getSession('long'))
  // memcached drops the item itself within about a second more
  await waitFor('short item gone from memcached', async () => await rawGet(servers[0]!.port, sessionKey('short')) === undefined, 5000)
})

for (const [maxAgeMs, gapMs, runMs] of [[3000, 1000, 6000], [1000, 800, 4000], [1000, 100, 3000]] as const) {
  test(`an active user is never logged out: maxAge ${maxAgeMs} ms, a request every ${gapMs} ms for ${runMs} ms`, async (t) => {
    const servers = await startMemcached(t, 2)
    // touchAfterMs far above maxAge: the interval follows the session's own maxAge
    const store = await settledStoreFor(t, servers, { touchAfterMs: 180_000 })
    await store.setSession('s', session({ user: 'alice' }, maxAgeMs))
    const started = Date.now()
    let requests = 0
    while (Date.now() - started < runMs) {
      await sleep(gapMs)
      assert.ok(await rollingRequest(store, 's', maxAgeMs), `logged out after ${Date.now() - started} ms`)
      requests++
    }
    const writes = (await stats(servers[0]!.port)).get('cas_hits') ?? 0
    assert.ok(writes < requests || gapMs >= maxAgeMs / 10, `unchanged saves were skipped between extensions (${writes} writes, ${requests} requests)`)
    // and once the user stops, the session ends about maxAge later
    await waitFor('idle session expired', async () => await store.getSession('s') === null, maxAgeMs * 2 + 1000)
  })
}

test('rolling off: reads do not extend the expiry, nor the expiry they report', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { touchAfterMs: 180_000 })
  await store.setSession('s', session({ user: 'alice' }, 1500))
  const first = await store.getSession('s')
  const reported = new Date((first!.cookie as { expires: string }).expires).getTime()
  const started = Date.now()
  let alive = true
  while (alive && Date.now() - started < 5000) {
    const s = await store.getSession('s')
    alive = s !== null
    // the reported expiry stays put (in the last tenth, the margin, it reports the margin's end)
    if (s !== null && Date.now() < reported) assert.equal(new Date((s.cookie as { expires: string }).expires).getTime(), reported, 'the reported expiry stays put')
    await sleep(100)
  }
  const livedMs = Date.now() - started
  assert.equal(alive, false)
  assert.ok(livedMs >= 1400 && livedMs < 2000, `ended at its maxAge (plus at most a tenth), after ${livedMs} ms`)
})

test('cookie.expires without maxAge sets the end and the memcached TTL', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { idleTimeoutMs: 600_000 })
  const expires = new Date(Date.now() + 1500)
  await store.setSession('s', { cookie: { originalMaxAge: null, expires, path: '/', httpOnly: true }, user: 'alice' })
  const s = await store.getSession('s')
  assert.equal((s!.cookie as { expires: string }).expires, expires.toISOString(), 'reported as set')
  // an unchanged save with the same fixed expiry does not move it
  await store.setSession('s', s!)
  await sleep(1600)
  assert.equal(await store.getSession('s'), null, 'a miss once expires has passed')
  await waitFor('item gone from memcached', async () => await rawGet(servers[0]!.port, sessionKey('s')) === undefined, 3000)
})

test('a session saved with an expiry already past is a miss', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  await store.setSession('past', { cookie: { originalMaxAge: null, expires: new Date(Date.now() - 1000) }, user: 'alice' })
  assert.equal(await store.getSession('past'), null)
  await store.setSession('past-max-age', { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() - 1) }, user: 'alice' })
  assert.equal(await store.getSession('past-max-age'), null)
})

test('an absolute lifetime ends even an active session', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { idleTimeoutMs: 1000, absoluteTimeoutMs: 2500, touchAfterMs: 100 })
  await store.setSession('s', session({ n: 1 }, 1000))
  const started = Date.now()
  let alive = true
  while (alive && Date.now() - started < 6000) {
    alive = await rollingRequest(store, 's', 1000)
    await sleep(100)
  }
  assert.equal(alive, false)
  assert.ok(Date.now() - started >= 2400, 'lived to its absolute lifetime, past two idle timeouts')
  // a late write does not bring it back: it fails with a code
  await assert.rejects(store.setSession('s', session({ n: 2 }, 1000)), { code: 'STK_ERR_SESSION_DESTROYED' })
  assert.equal(await store.getSession('s'), null)
})
