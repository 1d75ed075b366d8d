import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached } from '@stickless/test-support'
import { portsInReadOrder, session, storeFor } from './helpers/fixtures.js'

test('two nodes changing one session at once lose neither change', async (t) => {
  const servers = await startMemcached(t, 2)
  const node1 = storeFor(t, servers)
  const node2 = storeFor(t, servers)
  await node1.setSession('s', session({ user: 'alice', cart: ['first'] }))
  const [r1, r2] = await Promise.all([node1.getSession('s'), node2.getSession('s')])
  await Promise.all([
    node1.setSession('s', { ...r1, cart: [...(r1!.cart as string[]), 'from-node-1'] }),
    node2.setSession('s', { ...r2, cart: [...(r2!.cart as string[]), 'from-node-2'] })
  ])
  const cart = (await node1.getSession('s'))?.cart as string[]
  assert.deepEqual([...cart].sort(), ['first', 'from-node-1', 'from-node-2'])
  // at least the loser's merge; the winner may merge too, when the loser's
  // merged copy reached the second replica before the winner's own write there
  assert.ok(node1.counters().conflicts + node2.counters().conflicts >= 1)
})

test('twenty concurrent writers from three nodes: every item survives', async (t) => {
  const servers = await startMemcached(t, 2)
  // Every lost cas round means another writer's store landed first, so a
  // writer in a crowd of twenty can lose about twenty rounds (more when a
  // reconcile stores again). The default budget (8) gives up earlier, with a
  // coded 503 and nothing lost; this test judges lost items, not the budget,
  // so the budget is larger than the crowd.
  const crowd = { conflictRetries: 60 }
  const nodes = [storeFor(t, servers, crowd), storeFor(t, servers, crowd), storeFor(t, servers, crowd)]
  await nodes[0]!.setSession('s', session({ cart: [] }))
  await Promise.all(Array.from({ length: 20 }, async (_, i) => {
    const node = nodes[i % 3]!
    const s = await node.getSession('s')
    await node.setSession('s', { ...s, cart: [...(s!.cart as string[]), `item-${i}`] })
  }))
  const cart = (await nodes[1]!.getSession('s'))?.cart as string[]
  assert.equal(cart.length, 20)
  assert.equal(new Set(cart).size, 20)
})

test('with the default budget, a crowd of writers loses no acknowledged item, and a writer that gives up says so with a code', async (t) => {
  const servers = await startMemcached(t, 2)
  const nodes = [storeFor(t, servers), storeFor(t, servers), storeFor(t, servers)]
  await nodes[0]!.setSession('s', session({ cart: [] }))
  const outcomes = await Promise.allSettled(Array.from({ length: 20 }, async (_, i) => {
    const node = nodes[i % 3]!
    const s = await node.getSession('s')
    await node.setSession('s', { ...s, cart: [...(s!.cart as string[]), `item-${i}`] })
    return `item-${i}`
  }))
  const acknowledged = outcomes.flatMap((o) => o.status === 'fulfilled' ? [o.value] : [])
  const refusals = outcomes.flatMap((o) => o.status === 'rejected' ? [(o.reason as { code?: string }).code] : [])
  assert.deepEqual(refusals.filter((code) => code !== 'STK_ERR_CONFLICT'), [])
  const cart = new Set((await nodes[1]!.getSession('s'))?.cart as string[])
  assert.deepEqual(acknowledged.filter((item) => !cart.has(item)), [])
  assert.ok(acknowledged.length > 0)
})

test('scalar fields changed by different nodes both stick', async (t) => {
  const servers = await startMemcached(t, 2)
  const a = storeFor(t, servers)
  const b = storeFor(t, servers)
  await a.setSession('s', session({ theme: 'light', lang: 'en' }))
  const [ra, rb] = await Promise.all([a.getSession('s'), b.getSession('s')])
  await Promise.all([a.setSession('s', { ...ra, theme: 'dark' }), b.setSession('s', { ...rb, lang: 'fr' })])
  const s = await a.getSession('s')
  assert.deepEqual([s?.theme, s?.lang], ['dark', 'fr'])
})

test('a write racing a logout does not bring the session back', async (t) => {
  const servers = await startMemcached(t, 2)
  const a = storeFor(t, servers)
  const b = storeFor(t, servers)
  await a.setSession('s', session({ user: 'alice', cart: [] }))
  const read = await a.getSession('s')
  await b.destroySession('s')
  // never dropped in silence: the late write fails with a code
  await assert.rejects(a.setSession('s', { ...read, cart: ['late'] }), { code: 'STK_ERR_SESSION_DESTROYED' })
  assert.equal(await a.getSession('s'), null)
  assert.equal(await b.getSession('s'), null)
})

test('a writer that loses the cas race on every replica leaves nothing behind, so the winner survives the first replica\'s death', async (t) => {
  const servers = await startMemcached(t, 2)
  const winner = storeFor(t, servers, { readRepairChance: 0 })
  // It gives up after losing once: whatever it sent must not be left behind.
  const loser = storeFor(t, servers, { readRepairChance: 0, conflictRetries: 0 })
  await winner.setSession('s', session({ cart: ['first'] }))
  // the loser reads every replica for its write: its cas tokens are all stale once the winner writes
  loser.expectWrite('s')
  const [w, l] = [await winner.getSession('s'), await loser.getSession('s')]
  await winner.setSession('s', { ...w, cart: ['first', 'acknowledged'] })
  await assert.rejects(loser.setSession('s', { ...l, cart: ['first', 'unmerged'] }), (err: Error & { code?: string }) => err.code === 'STK_ERR_CONFLICT')
  // The first replica dies; a node that never saw either write reads what is left.
  const [primary] = portsInReadOrder(winner, 's')
  await servers.find((m) => m.port === primary)!.kill()
  const fresh = storeFor(t, servers, { readRepairChance: 0 })
  assert.deepEqual((await fresh.getSession('s'))?.cart, ['first', 'acknowledged'])
})

test('a writer that loses on the first replica but takes another brings every replica to one revision holding both writes', async (t) => {
  const servers = await startMemcached(t, 2)
  const loser = storeFor(t, servers, { readRepairChance: 0, conflictRetries: 0 })
  await loser.setSession('s', session({ cart: ['first'] }))
  loser.expectWrite('s')
  const read = await loser.getSession('s')
  // A writer ordered on the first replica whose store on the second has not
  // arrived yet: a store that reaches the first replica alone writes there.
  const [primary] = portsInReadOrder(loser, 's')
  const ahead = storeFor(t, servers.filter((m) => m.port === primary), { readRepairChance: 0 })
  const seen = await ahead.getSession('s')
  await ahead.setSession('s', { ...seen, cart: ['first', 'ahead'] })
  // Both stores go out at once: the first replica refuses the loser's, the
  // second takes it. No retry is left, yet the write must not be half done:
  // it merges the first replica's copy in and stores that on both.
  await loser.setSession('s', { ...read, cart: ['first', 'late'] })
  assert.ok(loser.counters().conflicts >= 1, 'the copies were merged')
  await servers.find((m) => m.port === primary)!.kill()
  const fresh = storeFor(t, servers, { readRepairChance: 0 })
  assert.deepEqual([...((await fresh.getSession('s'))?.cart as string[])].sort(), ['ahead', 'first', 'late'])
})
