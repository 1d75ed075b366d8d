// Which replicas a read and a write use, from health alone: no sockets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Placement, type PlacedServer } from '../src/placement.js'
import { replicasFor } from '../src/replica-set.js'
import type { ServerState } from '../src/server-health.js'

function server (id: string, state: ServerState = 'up'): PlacedServer & { health: { state: ServerState, readable: boolean, writable: boolean } } {
  return {
    id,
    weight: 1,
    health: {
      get state () { return state },
      set state (next: ServerState) { state = next },
      get readable () { return state === 'up' },
      get writable () { return state !== 'down' }
    } as unknown as { state: ServerState, readable: boolean, writable: boolean }
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
