import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached } from './memcached-process.js'
import { rawCommand, rawGet, sessionKey, stats, waitFor } from './memcached-stats.js'
import { ids, portsInReadOrder, session, storeFor } from './fixtures.js'

test('with a homeServer every read goes there first, and falls back when it lacks the key', async (t) => {
  const [a, b] = await startMemcached(t, 2)
  const writer = storeFor(t, [a!, b!])
  const sids = ids(40, 'h')
  await Promise.all(sids.map((sid) => writer.setSession(sid, session({ sid }))))
  assert.ok(sids.some((sid) => portsInReadOrder(writer, sid)[0] === a!.port), 'some keys are placed first on a')
  const reader = storeFor(t, [a!, b!], { homeServer: b!.address })
  const getsOnA = (await stats(a!.port)).get('cmd_get') ?? 0
  const got = await Promise.all(sids.map((sid) => reader.getSession(sid)))
  assert.deepEqual(got.map((s) => s?.sid), sids)
  assert.equal((await stats(a!.port)).get('cmd_get'), getsOnA, 'a, first in placement for some keys, was not read')
  // b lost one key (an eviction, say): the read falls back to a and repairs b
  const lost = sids[0]!
  assert.equal(await rawCommand(b!.port, `delete ${sessionKey(lost)}\r\n`), 'DELETED')
  assert.equal((await reader.getSession(lost))?.sid, lost)
  await waitFor('b repaired', async () => await rawGet(b!.port, sessionKey(lost)) !== undefined)
})

test('nodes reading from different home servers, writing one session at once, lose no change', async (t) => {
  const [a, b] = await startMemcached(t, 2)
  const nodes = [storeFor(t, [a!, b!], { homeServer: a!.address }), storeFor(t, [a!, b!], { homeServer: b!.address }), storeFor(t, [a!, b!])]
  await nodes[0]!.setSession('s', session({ cart: [] }))
  await Promise.all(Array.from({ length: 30 }, async (_, i) => {
    const node = nodes[i % 3]!
    const s = await node.getSession('s')
    await node.setSession('s', { ...s, cart: [...(s!.cart as string[]), `item-${i}`] })
  }))
  for (const node of nodes) {
    const cart = (await node.getSession('s'))?.cart as string[]
    assert.equal(new Set(cart).size, 30)
  }
})
