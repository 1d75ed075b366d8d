// An asymmetric partition through the LB: web-1 loses its route to
// memcached-1 (net_cls + iptables, scripts/src/cluster/partition.ts) while
// web-2 and web-3 still reach both servers. Users add cart items through the
// LB during the partition and after it heals; then memcached-2 is killed and
// every cart is read on every node. Counted: acknowledged items lost (at the
// end, and from any later answer: each cart answer carries the whole cart),
// and logouts. All must be 0.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { partition, partitionUnsupported } from '@stickless/scripts/cluster'
import { signInMany, type Account, type SessionBody } from './helpers/accounts.js'
import { logsOf, useCluster } from './helpers/cluster-fixture.js'
import { jsonOf, type HttpClient } from './helpers/http-client.js'
import { sessionServerStates } from './helpers/store-health.js'
import { pollUntil, sleep } from '@stickless/test-support'

const unsupported = partitionUnsupported()
const USERS = 6
const PARTITION_MS = 8_000
const AFTER_HEAL_MS = 6_000
/** timeout=1: a request may wait this long on the silent server, plus scheduling on 2 busy cores. */
const TIMEOUT_MS = 1_000
const SLACK_MS = 1_000
/** A cart holds 100 items (409 after): a user who has this many reads instead, and still counts logouts. */
const CART_ITEMS_MAX = 95
/** Between one user's requests, as a person clicks; keeps the carts under their limit for the run. */
const PAUSE_MS = 100

const cluster = useCluster({ sessionServerParams: { timeoutS: TIMEOUT_MS / 1000, retryIntervalS: 2 } })

interface User {
  readonly client: HttpClient
  readonly account: Account
  readonly acked: Set<string>
}

test('web-1 cut from memcached-1: no acknowledged cart item lost, nobody logged out, after the heal and memcached-2\'s death', {
  skip: unsupported ?? false,
  timeout: 120_000
}, async (t) => {
  const users: User[] = (await signInMany(cluster.lbUrl('/api/login'), USERS)).map(({ client, account }) => ({ client, account, acked: new Set() }))
  let acked = 0
  let logouts = 0
  let failed = 0
  /** Acknowledged items missing from a later answer of the same session: the contract says visible on the next request. */
  let unseen = 0
  let slow = 0
  let slowest = 0
  const shop = async (label: string, ms: number): Promise<void> => {
    const until = Date.now() + ms
    await Promise.all(users.map(async (user, u) => {
      for (let i = 0; Date.now() < until; i++) {
        await sleep(PAUSE_MS)
        if (user.acked.size >= CART_ITEMS_MAX) {
          const res = await user.client.get(cluster.lbUrl('/api/session'))
          if (res.status === 401 || jsonOf<SessionBody>(res).authenticated !== true) logouts++
          continue
        }
        const item = `${label}-${u}-${i}`
        const ackedBefore = [...user.acked]
        const res = await user.client.postJson(cluster.lbUrl('/api/cart'), { item })
        slowest = Math.max(slowest, res.durationMs)
        if (res.durationMs > TIMEOUT_MS + SLACK_MS) slow++
        if (res.status === 200) {
          const cart = new Set(jsonOf<{ cart: string[] }>(res).cart)
          unseen += ackedBefore.filter((earlier) => !cart.has(earlier)).length
          acked++
          user.acked.add(item)
        } else if (res.status === 401) {
          logouts++
        } else {
          failed++
        }
      }
    }))
  }

  await shop('before', 1_000)
  const web1 = cluster.pid('web-1')
  assert.ok(web1 !== undefined)
  const port = Number(cluster.memcachedAddress('memcached-1').split(':')[1])
  const cut = partition(web1, port)
  t.after(() => { cut.heal() })
  await shop('partition', PARTITION_MS)
  cut.heal()
  await shop('healed', AFTER_HEAL_MS)
  // every node sees both servers up (memcached-1 refilled) before memcached-2 goes
  await pollUntil(async () => Object.values(await sessionServerStates(cluster)).every((s) => s.every((x) => x === 'up')) ? true : undefined,
    { timeoutMs: 30_000, intervalMs: 250, what: 'both servers up on every node after the heal' })
  await cluster.kill('memcached-2')

  let lost = 0
  const lostItems: string[] = []
  for (const user of users) {
    for (const name of cluster.webNames) {
      const res = await user.client.get(cluster.webUrl(name, '/api/session'))
      assert.equal(res.status, 200, `${name} after memcached-2 died: ${res.status}\n${logsOf(cluster, cluster.webNames, 10)}`)
      const body = jsonOf<SessionBody>(res)
      if (body.authenticated !== true) {
        logouts++
        continue
      }
      const have = new Set(body.cart ?? [])
      for (const item of user.acked) {
        if (!have.has(item)) {
          lost++
          if (lostItems.length < 10) lostItems.push(`${name}: ${item}`)
        }
      }
    }
  }
  t.diagnostic(`acknowledged ${acked}, failed ${failed}, lost ${lost}, unseen on a later request ${unseen}, logouts ${logouts}; requests over ${TIMEOUT_MS} + ${SLACK_MS} ms: ${slow}, slowest ${Math.round(slowest)} ms`)
  assert.equal(lost, 0, `acknowledged items lost: ${lostItems.join(', ')}`)
  assert.equal(unseen, 0, 'acknowledged items missing from a later request')
  assert.equal(logouts, 0, 'logouts')
  assert.equal(failed, 0, 'cart writes answered neither 200 nor 401')
  assert.ok(acked > 0)
})
