// Losing any one memcached server logs nobody out: killed, restarted empty
// and refilled, then the other one killed; and a frozen one is passed over by
// every node and fails nothing. (That a frozen server holds no request longer
// than its timeout is counted in the store's one-wait.test.ts and measured in
// bench/; here the slowest request is a diagnostic.) The tests run in order
// and share the sessions.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { signedInProblem, signInMany, type Account, type SessionBody } from './helpers/accounts.js'
import { logsOf, useCluster } from './helpers/cluster-fixture.js'
import { jsonOf, summarize, type HttpClient } from './helpers/http-client.js'
import { startLoad } from './helpers/load.js'
import { storeCounterTotal, waitForRefill } from './helpers/store-health.js'
import { sessionServerStates as nodeSessionServers } from '../fixtures/session-servers.js'

const cluster = useCluster()
const USERS = 20
/** The contract: a restarted server is refilled within 20 s. */
const REFILL_BOUND_MS = 20_000
/** SESSION_SERVERS timeout=1: a frozen server may hold a request this long. */
const SERVER_TIMEOUT_MS = 1_000

interface User {
  readonly client: HttpClient
  readonly account: Account
  /** Every cart item a 200 acknowledged, in order. */
  readonly cart: string[]
}

let users: User[] = []

/** Each user is signed in with every acknowledged cart item, asked through the LB and on every node directly. */
async function assertEveryoneSignedIn (when: string): Promise<void> {
  const urls = [cluster.lbUrl('/api/session'), ...cluster.webNames.map((name) => cluster.webUrl(name, '/api/session'))]
  for (const [i, user] of users.entries()) {
    for (const url of urls) {
      const res = await user.client.get(url)
      assert.equal(res.status, 200, `${when}: user ${i} at ${url}: ${summarize(res)}\n${logsOf(cluster, cluster.webNames, 10)}`)
      const body = jsonOf<SessionBody>(res)
      assert.equal(body.authenticated, true, `${when}: ${summarize(res)}`)
      assert.equal(body.user, user.account.username, `${when}: ${summarize(res)}`)
      assert.deepEqual(body.cart, user.cart, `${when}: user ${i}'s cart at ${url}`)
    }
  }
}

/** Adds one item per user through the LB and records it once acknowledged. */
async function addItemForEveryone (label: string): Promise<void> {
  for (const [i, user] of users.entries()) {
    const item = `${label}-${i}`
    const res = await user.client.postJson(cluster.lbUrl('/api/cart'), { item })
    assert.equal(res.status, 200, `${label}: user ${i}: ${summarize(res)}`)
    user.cart.push(item)
    assert.deepEqual(jsonOf<{ cart: string[] }>(res).cart, user.cart, summarize(res))
  }
}

test(`${USERS} users stay signed in and can shop when memcached-1 is SIGKILLed`, { timeout: 60_000 }, async () => {
  users = (await signInMany(cluster.lbUrl('/api/login'), USERS)).map(({ client, account }) => ({ client, account, cart: [] }))
  await addItemForEveryone('before')
  await cluster.kill('memcached-1')
  await assertEveryoneSignedIn('memcached-1 killed')
  await addItemForEveryone('m1-dead')
  await assertEveryoneSignedIn('memcached-1 killed, after cart writes')
})

test('memcached-1 restarted empty is refilled within 20 s; then memcached-2 is SIGKILLed and nobody notices', { timeout: 90_000 }, async (t) => {
  const refillsBefore = await storeCounterTotal(cluster, 'refills')
  const restartedAt = Date.now()
  await cluster.restart('memcached-1', { timeoutMs: 15_000 })
  await waitForRefill(cluster, refillsBefore, REFILL_BOUND_MS - (Date.now() - restartedAt))
  t.diagnostic(`memcached-1 refilled ${Date.now() - restartedAt} ms after its restart began`)
  await cluster.kill('memcached-2')
  await assertEveryoneSignedIn('memcached-1 refilled, memcached-2 killed')
  await addItemForEveryone('m2-dead')
  await assertEveryoneSignedIn('memcached-2 killed, after cart writes')
})

test('a frozen memcached is marked down by every web node and passed over: nothing fails, nobody is logged out', { timeout: 120_000 }, async (t) => {
  // Both servers up and in sync again first.
  const refillsBefore = await storeCounterTotal(cluster, 'refills')
  const restartedAt = Date.now()
  await cluster.restart('memcached-2', { timeoutMs: 15_000 })
  await waitForRefill(cluster, refillsBefore, REFILL_BOUND_MS - (Date.now() - restartedAt))

  const frozen = 'memcached-1'
  const load = startLoad({
    workers: USERS,
    maxIterations: 40,
    maxDurationMs: 15_000,
    pauseMs: 50,
    step: async (w, i, recorder) => {
      const user = users[w]
      assert.ok(user)
      if (i % 4 === 3) {
        const item = `frozen-${i}`
        const res = await user.client.postJson(cluster.lbUrl('/api/cart'), { item })
        recorder.record(res, res.status === 200 ? undefined : `cart write: status ${res.status}`)
        if (res.status === 200) user.cart.push(item)
      } else {
        const res = await user.client.get(cluster.lbUrl('/api/session'))
        recorder.record(res, signedInProblem(res, user.account.username))
      }
    }
  })
  const frozenId = cluster.memcachedAddress(frozen)
  const statesWhileFrozen: Record<string, string | undefined> = {}
  try {
    assert.ok(await load.waitForRequests(100, 10_000), `traffic before the freeze: ${load.recorder.report()}`)
    cluster.freeze(frozen)
    assert.ok(await load.waitForRequests(load.recorder.requests + 300, 20_000), `traffic during the freeze: ${load.recorder.report()}`)
    for (const name of cluster.webNames) statesWhileFrozen[name] = (await nodeSessionServers(cluster, name))?.find((s) => s.id === frozenId)?.state
  } finally {
    await load.stop()
    cluster.thaw(frozen)
  }
  const recorder = load.recorder
  t.diagnostic(`${recorder.requests} requests, slowest ${Math.round(recorder.maxDurationMs)} ms (the server's timeout is ${SERVER_TIMEOUT_MS} ms): ${recorder.slowest}`)
  assert.equal(recorder.failureCount, 0, `failed requests while ${frozen} was frozen: ${recorder.report()}\n${logsOf(cluster, cluster.webNames, 10)}`)
  // 300 requests over 20 signed-in users reach every node, and every session
  // has a copy on the frozen server: each node met it, gave up on it at its
  // timeout and marked it down, so later requests did not wait on it again.
  assert.deepEqual(statesWhileFrozen, Object.fromEntries(cluster.webNames.map((name) => [name, 'down'])), `${frozen} (${frozenId}) as each web node saw it while frozen`)
  await assertEveryoneSignedIn(`${frozen} thawed`)
})
