import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, stats } from '@stickless/test-support'
import { session, storeFor } from './helpers/fixtures.js'

test('a server filled until it evicts loses nothing: reads fall back to the peer and repair', async (t) => {
  const [big] = await startMemcached(t, 1)
  // memcached's smallest cache: about 1 MiB of 1 MiB slab pages
  const [small] = await startMemcached(t, 1, ['-m', '2', '-I', '1m'])
  const store = storeFor(t, [big!, small!])
  const filler = 'f'.repeat(2000)
  const sids = Array.from({ length: 3000 }, (_, i) => `e${i}`)
  for (let i = 0; i < sids.length; i += 200) {
    await Promise.all(sids.slice(i, i + 200).map((sid) => store.setSession(sid, session({ sid, filler }))))
  }
  const evictions = (await stats(small!.port)).get('evictions') ?? 0
  assert.ok(evictions > 0, 'the small server evicted')
  let lost = 0
  for (let i = 0; i < sids.length; i += 200) {
    const got = await Promise.all(sids.slice(i, i + 200).map((sid) => store.getSession(sid)))
    lost += got.filter((s, j) => s?.sid !== sids[i + j]).length
  }
  assert.equal(lost, 0)
  assert.equal(store.health().every((h) => h.state === 'up'), true, 'eviction is not a failure: ' + JSON.stringify(store.health()))
})
