// The replicated counter counts on every replica and answers with the first
// replica's count: replicas' windows end up to a second apart (each memcached
// ticks its whole seconds at its own phase), and a window must end when it ends.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { rawCommand, startMemcached } from '@stickless/test-support'
import { KeySpace } from '../src/record/keys.js'
import { replicasFor } from '../src/policy/replica-set.js'
import { storeFor } from './helpers/fixtures.js'

test('a new window on the first replica starts the count again, whatever the other replica still holds', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers)
  assert.equal(await store.hit('login:alice', 60_000), 1)
  assert.equal(await store.hit('login:alice', 60_000), 2)
  const key = new KeySpace('stk:').counter('login:alice')
  const [first, second] = replicasFor(store.options.servers, key, 2)
  if (first === undefined || second === undefined) throw new Error('two replicas')
  // the first replica's window ended; the second's has not yet
  assert.equal(await rawCommand(first.port, `delete ${key}\r\n`), 'DELETED')
  assert.equal(await store.peek('login:alice'), 0, 'the count is the first replica\'s')
  assert.equal(await store.hit('login:alice', 60_000), 1, 'a new window: counted from one')
  assert.equal(await rawCommand(second.port, `get ${key}\r\n`), `VALUE ${key} 0 1\r\n3\r\nEND`, 'the other replica counted on')
})

test('with the first replica down, the next one counts', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { retryIntervalMs: 60_000 })
  const key = new KeySpace('stk:').counter('login:bob')
  const [first] = replicasFor(store.options.servers, key, 2)
  assert.equal(await store.hit('login:bob', 60_000), 1)
  await servers.find((s) => s.port === first?.port)?.kill()
  assert.equal(await store.hit('login:bob', 60_000), 2)
  assert.equal(await store.peek('login:bob'), 2)
})
