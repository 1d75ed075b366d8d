// Which replicas a read and a write use, from health alone: no sockets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Placement, type PlacedServer } from '../../src/policy/placement.js'
import { replicasFor } from '../../src/policy/replica-set.js'
import type { ServerState } from '../../src/policy/server-health.js'

function server (id: string, state: ServerState = 'up'): PlacedServer & { health: { state: ServerState, readable: boolean, writable: boolean } } {
  return {
    id,
    weight: 1,
    health: {
      get state () { return state },
      set state (next: ServerState) { state = next },
      get readable () { return state === 'up' },
      get writable () { return state !== 'down' }
    }
  }
}

const KEY = 'stk:s:some-session'

test('a key lives on the top `replicas` servers of rendezvous hashing, the same on every node', () => {
  const servers = [server('a:1'), server('b:1'), server('c:1')]
  const placed = new Placement(servers, 2).replicasOf(KEY)
  assert.equal(placed.length, 2)
  assert.deepEqual(placed.map((s) => s.id), replicasFor(servers, KEY, 2).map((s) => s.id))
  // another node's list, in another order, places the key on the same servers, in the same order
  assert.deepEqual(new Placement([...servers].reverse(), 2).replicasOf(KEY).map((s) => s.id), placed.map((s) => s.id))
})

test('reads go to up replicas first, then recovering ones; never to a server marked down', () => {
  const [first, second] = new Placement([server('a:1'), server('b:1')], 2).replicasOf(KEY)
  const servers = [server(first!.id), server(second!.id)]
  const placement = new Placement(servers, 2)
  assert.deepEqual(placement.readTargets(KEY).map((s) => s.id), [first!.id, second!.id])
  servers[0]!.health.state = 'recovering'
  assert.deepEqual(placement.readTargets(KEY).map((s) => s.id), [second!.id, first!.id], 'a recovering server may lack writes: asked last')
  servers[1]!.health.state = 'down'
  assert.deepEqual(placement.readTargets(KEY).map((s) => s.id), [first!.id])
})

test('writes keep placement order while a server recovers (so cas orders writers on the same first replica everywhere); down gives up its place', () => {
  const [first, second] = new Placement([server('a:1'), server('b:1')], 2).replicasOf(KEY)
  const servers = [server(first!.id), server(second!.id)]
  const placement = new Placement(servers, 2)
  servers[0]!.health.state = 'recovering'
  assert.deepEqual(placement.writeTargets(KEY).map((s) => s.id), [first!.id, second!.id])
  servers[0]!.health.state = 'down'
  assert.deepEqual(placement.writeTargets(KEY).map((s) => s.id), [second!.id])
})

test('every replica down is STK_ERR_STORE_UNAVAILABLE; a closed placement is STK_ERR_CLOSED', () => {
  const servers = [server('a:1', 'down'), server('b:1', 'down')]
  const placement = new Placement(servers, 2)
  assert.throws(() => placement.readTargets(KEY), { code: 'STK_ERR_STORE_UNAVAILABLE' })
  assert.throws(() => placement.writeTargets(KEY), { code: 'STK_ERR_STORE_UNAVAILABLE' })
  servers[0]!.health.state = 'up'
  placement.close()
  assert.throws(() => placement.readTargets(KEY), { code: 'STK_ERR_CLOSED' })
})

test('while the pool changes, a key is held by its new replicas first, then by those only the old pool gives it', () => {
  const [a, b, c] = [server('a:1'), server('b:1'), server('c:1')]
  const growing = new Placement([a, b, c], 2, [a, b])
  assert.equal(growing.changing, true)
  assert.deepEqual(growing.servers.map((s) => s.id), ['a:1', 'b:1', 'c:1'])
  for (const key of Array.from({ length: 50 }, (_, i) => `stk:s:${i}`)) {
    const current = replicasFor([a, b, c], key, 2)
    const holders = growing.holdersOf(key)
    assert.deepEqual(holders.slice(0, 2), current, 'the new placement first: its first replica orders writers')
    assert.deepEqual(new Set(holders), new Set([...current, a, b]), 'and every old replica (both of a two-server pool)')
    assert.deepEqual(growing.writeTargets(key), holders)
  }
  const settled = new Placement([a, b, c], 2)
  assert.equal(settled.changing, false)
  assert.equal(settled.holdersOf(KEY).length, 2)
})

test('shrinking: the leaving server stays a holder (and a server this node talks to) until the change ends', () => {
  const [a, b, c] = [server('a:1'), server('b:1'), server('c:1')]
  const shrinking = new Placement([a, b], 2, [a, b, c])
  assert.deepEqual(shrinking.servers.map((s) => s.id), ['a:1', 'b:1', 'c:1'])
  const keyOnC = Array.from({ length: 50 }, (_, i) => `stk:s:${i}`).find((key) => replicasFor([a, b, c], key, 2).includes(c))!
  assert.deepEqual(shrinking.holdersOf(keyOnC), [...replicasFor([a, b], keyOnC, 2), c])
  c.health.state = 'down'
  assert.deepEqual(shrinking.writeTargets(keyOnC), replicasFor([a, b], keyOnC, 2), 'a holder marked down is skipped like any replica')
})
