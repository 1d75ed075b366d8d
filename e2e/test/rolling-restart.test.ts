// A rolling restart (SIGTERM each web node in turn, start it again) fails no
// request, GET or POST, and loses no acknowledged cart write.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { signedInProblem, signInMany, type Account, type SessionBody } from './helpers/accounts.js'
import { logsOf, useCluster } from './helpers/cluster-fixture.js'
import { HttpClient, jsonOf, summarize } from './helpers/http-client.js'
import { startLoad } from './helpers/load.js'
import { pollUntil } from '@stickless/test-support'

const cluster = useCluster()
const CLIENTS = 10
/** A cart holds 100 items; leave room. */
const ITEMS_PER_CLIENT = 90

interface Shopper {
  readonly client: HttpClient
  readonly account: Account
  /** Items a 200 acknowledged, in order. */
  readonly acked: string[]
}

test(`${CLIENTS} clients reading and writing see no failure while every web node is restarted in turn`, { timeout: 180_000 }, async (t) => {
  const shoppers: Shopper[] = (await signInMany(cluster.lbUrl('/api/login'), CLIENTS)).map(({ client, account }) => ({ client, account, acked: [] }))
  const load = startLoad({
    workers: CLIENTS,
    maxIterations: 2_000,
    maxDurationMs: 120_000,
    pauseMs: 100,
    step: async (w, i, recorder) => {
      const shopper = shoppers[w]
      assert.ok(shopper)
      const read = await shopper.client.get(cluster.lbUrl('/api/session'))
      let problem = signedInProblem(read, shopper.account.username)
      if (problem === undefined) {
        // Every acknowledged write is visible on the next request, whichever node answers.
        const cart = jsonOf<SessionBody>(read).cart
        if (JSON.stringify(cart) !== JSON.stringify(shopper.acked)) problem = `cart has ${cart?.length ?? 0} items, ${shopper.acked.length} were acknowledged`
      }
      recorder.record(read, problem === undefined ? undefined : `GET: ${problem}`)
      if (i % 2 === 1 && shopper.acked.length < ITEMS_PER_CLIENT) {
        const item = `w${w}-i${i}`
        const write = await shopper.client.postJson(cluster.lbUrl('/api/cart'), { item })
        recorder.record(write, write.status === 200 ? undefined : `POST: status ${write.status}`)
        if (write.status === 200) shopper.acked.push(item)
      }
    }
  })
  try {
    assert.ok(await load.waitForRequests(100, 20_000), `traffic before the restarts: ${load.recorder.report()}`)
    for (const name of cluster.webNames) {
      const exited = cluster.kill(name, 'SIGTERM')
      // Draining starts at once: /healthz turns 503 while the node still serves.
      await pollUntil(async () => {
        const res = await new HttpClient({ timeoutMs: 2_000 }).get(cluster.webUrl(name, '/healthz'))
        return res.status === 503 ? true : undefined
      }, { timeoutMs: 2_000, intervalMs: 20, what: `${name}'s /healthz to answer 503 after SIGTERM` })
      const exit = await exited
      assert.equal(exit.code, 0, `${name} exited cleanly after draining: ${JSON.stringify(exit)}\n${logsOf(cluster, [name])}`)
      await cluster.restart(name, { timeoutMs: 30_000 })
      await cluster.waitForRotation([name], { timeoutMs: 30_000 })
      t.diagnostic(`${name} restarted; ${load.recorder.requests} requests so far, ${load.recorder.failureCount} failed`)
    }
    // Some traffic with every node back.
    assert.ok(await load.waitForRequests(load.recorder.requests + 100, 20_000), `traffic after the restarts: ${load.recorder.report()}`)
  } finally {
    await load.stop()
  }
  const recorder = load.recorder
  assert.equal(recorder.failureCount, 0, `failed requests during the rolling restart: ${recorder.report()}\n${logsOf(cluster, ['lb'], 20)}`)
  assert.deepEqual(recorder.nodesSeen(), cluster.webNames, recorder.report())
  t.diagnostic(`${recorder.requests} requests, slowest ${Math.round(recorder.maxDurationMs)} ms`)

  // Afterwards, every acknowledged write is there, on every node.
  for (const [w, shopper] of shoppers.entries()) {
    assert.ok(shopper.acked.length > 0, `client ${w} wrote something`)
    for (const name of cluster.webNames) {
      const res = await shopper.client.get(cluster.webUrl(name, '/api/session'))
      assert.equal(res.status, 200, summarize(res))
      assert.deepEqual(jsonOf<SessionBody>(res).cart, shopper.acked, `client ${w}'s cart on ${name}`)
    }
  }
})
