import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startMemcached, stats, waitFor } from '@stickless/test-support'
import { ids, serversInReadOrder, session, stateOf, storeFor } from './helpers/fixtures.js'

// Acknowledged writes must survive web nodes that see a server's failure and
// return at different moments (the chaos run's reproductions of these cases
// are in bench/src/repro/).

test('a node that still writes past a returned server keeps the others from reading it', async (t) => {
  const servers = await startMemcached(t, 2)
  // x retries after 200 ms, y only after a minute: they disagree about A for that long
  const x = storeFor(t, servers, { retryIntervalMs: 200, probeIntervalMs: 100 })
  const y = storeFor(t, servers, { retryIntervalMs: 60_000, probeIntervalMs: 100 })
  // A: the server reads ask first
  const [a, b] = serversInReadOrder(x, servers)
  const sids = ids(20, 'disagree')
  for (const sid of sids) await x.setSession(sid, session({ cart: ['one'] }))
  await a!.kill()
  for (const sid of sids) { await x.getSession(sid); await y.getSession(sid) }
  await waitFor('both mark A down', () => stateOf(x, a!) === 'down' && stateOf(y, a!) === 'down')
  await a!.start()
  await waitFor('x probes A again', () => stateOf(x, a!) !== 'down')
  // Several probe rounds later (counted in B's get_hits: each round of x and
  // y reads markers there, among them y's skip marker for A, which x finds)
  // A is still recovering on x: neither read nor refilled while y writes past it
  const hitsAtReturn = (await stats(b!.port)).get('get_hits') ?? 0
  await waitFor('ten more marker reads on B', async () => ((await stats(b!.port)).get('get_hits') ?? 0) >= hitsAtReturn + 10)
  assert.equal(stateOf(x, a!), 'recovering', 'x does not read A while y writes past it')
  let missing = 0
  for (const sid of sids) {
    const s = await y.getSession(sid)
    await y.setSession(sid, { ...s, cart: [...(s!.cart as string[]), 'two'] })
    const next = await x.getSession(sid)
    if (!(next?.cart as string[]).includes('two')) missing++
  }
  assert.equal(missing, 0)
})

test('writes made while a server was frozen survive its return and the writes during its refill', async (t) => {
  const servers = await startMemcached(t, 2)
  t.after(() => { for (const s of servers) s.signal('SIGCONT') })
  const x = storeFor(t, servers, { timeoutMs: 300, retryIntervalMs: 300, probeIntervalMs: 50 })
  // B: the server reads ask first, so the reads below find it frozen
  const [b] = serversInReadOrder(x, servers)
  const sids = ids(20, 'frozen')
  const add = async (sid: string, item: string): Promise<void> => {
    const s = await x.getSession(sid)
    await x.setSession(sid, { ...s, cart: [...(s!.cart as string[]), item] })
  }
  for (const sid of sids) await x.setSession(sid, session({ cart: ['before'] }))
  await b!.freeze()
  await Promise.all(sids.map((sid) => x.getSession(sid)))
  await waitFor('b down', () => stateOf(x, b!) === 'down')
  for (const sid of sids) await add(sid, 'during-freeze')
  const raced = new Promise<void>((resolve) => {
    x.once('serverRecovering', () => { Promise.all(sids.map((sid) => add(sid, 'after-thaw'))).then(() => resolve(), () => resolve()) })
  })
  b!.signal('SIGCONT')
  await raced
  assert.equal(await x.settled(10_000), true)
  for (const sid of sids) {
    assert.deepEqual((await x.getSession(sid))?.cart, ['before', 'during-freeze', 'after-thaw'], sid)
  }
})

test('a busy event loop is not a slow server: no server is marked down for it', async (t) => {
  const servers = await startMemcached(t, 2)
  const store = storeFor(t, servers, { timeoutMs: 200 })
  await store.setSession('s', session({ n: 1 }))
  const read = store.getSession('s')
  // the reply arrives while this process is blocked for twice the timeout
  const until = Date.now() + 400
  while (Date.now() < until) { /* busy, as under a burst of large sessions */ }
  assert.equal((await read)?.n, 1)
  assert.deepEqual(store.health().map((h) => h.state), ['up', 'up'])
  assert.equal(store.counters().serverDowns, 0)
})
