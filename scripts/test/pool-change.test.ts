import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster } from '../src/cluster/cluster.js'
import { QUICK_HEALTH_CHECKS } from '../src/cluster/cluster-options.js'
import { planPoolChange, storeEventCount } from '../src/cluster/pool-change.js'
import { parseStartCommand } from '../src/start/start-commands.js'
import { isAlive } from '@stickless/test-support'

// Cluster.changePool() on the real cluster (real memcached, the built web
// nodes and LB, free ports): users signed in before a grow 2 → 3 and a shrink
// 3 → 2 keep their session and every acknowledged cart item on every node,
// while one user keeps writing through the LB during both changes.

const SESSIONS = 16
const ITEMS = 3
/** The writer's items, below the cart's 100. */
const WRITER_ITEMS = 90

test('planPoolChange names new servers after every name used so far and refuses an empty pool', () => {
  assert.deepEqual(planPoolChange(['memcached-1', 'memcached-2'], ['memcached-1', 'memcached-2'], { add: 1 }), { added: ['memcached-3'], removed: [], after: ['memcached-1', 'memcached-2', 'memcached-3'] })
  // memcached-3 was retired: its name (and output prefix) is not reused
  assert.deepEqual(planPoolChange(['memcached-1', 'memcached-2'], ['memcached-1', 'memcached-2', 'memcached-3'], { add: 1, remove: ['memcached-1'] }), { added: ['memcached-4'], removed: ['memcached-1'], after: ['memcached-2', 'memcached-4'] })
  assert.throws(() => planPoolChange(['memcached-1'], ['memcached-1'], { remove: ['memcached-1'] }), { code: 'STK_ERR_CLUSTER_STATE' })
  assert.throws(() => planPoolChange(['memcached-1'], ['memcached-1'], { remove: ['memcached-7'] }), { code: 'STK_ERR_CLUSTER_UNKNOWN_PROCESS' })
  assert.throws(() => planPoolChange(['memcached-1'], ['memcached-1'], {}), { code: 'STK_ERR_CLUSTER_INVALID_OPTION' })
})

test('storeEventCount reads one store counter from Prometheus text', () => {
  const text = '# TYPE stickless_session_store_events_total counter\nstickless_session_store_events_total{event="rebalances"} 1\nstickless_session_store_events_total{event="rebalancedKeys"} 42\n'
  assert.equal(storeEventCount(text, 'rebalances'), 1)
  assert.equal(storeEventCount(text, 'rebalancedKeys'), 42)
  assert.equal(storeEventCount(text, 'refills'), undefined)
})

test('npm start\'s stdin commands', () => {
  const pool = ['memcached-1', 'memcached-2', 'memcached-3']
  assert.deepEqual(parseStartCommand(' grow ', pool), { kind: 'change', change: { add: 1 }, what: 'grow by one server' })
  assert.deepEqual(parseStartCommand('shrink', pool), { kind: 'change', change: { remove: ['memcached-3'] }, what: 'shrink: retire memcached-3' })
  assert.deepEqual(parseStartCommand('shrink memcached-1', pool), { kind: 'change', change: { remove: ['memcached-1'] }, what: 'shrink: retire memcached-1' })
  assert.equal(parseStartCommand('grow 2', pool).kind, 'unknown')
  assert.equal(parseStartCommand('', pool).kind, 'none')
  assert.equal(parseStartCommand('pool', pool).kind, 'pool')
})

/** One raw memcached `stats` line. */
async function memcachedStat (address: string, stat: string): Promise<number> {
  const [host = '', port = ''] = address.split(':')
  const reply = await new Promise<string>((resolve, reject) => {
    let text = ''
    const socket = connect({ host, port: Number(port) }, () => socket.write('stats\r\n'))
    socket.setEncoding('utf8')
    socket.setTimeout(2_000, () => { socket.destroy(); reject(new Error(`no stats from ${address}`)) })
    socket.on('error', reject)
    socket.on('data', (chunk: string) => {
      text += chunk
      if (text.endsWith('END\r\n')) { socket.end(); resolve(text) }
    })
  })
  return Number(new RegExp(`STAT ${stat} (\\d+)`).exec(reply)?.[1])
}

interface User { cookie: string, items: string[] }

async function api (url: string, cookie: string, body?: unknown): Promise<{ status: number, json: Record<string, unknown>, setCookie: string[] }> {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { accept: 'application/json', cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000)
  })
  return { status: res.status, json: await res.json() as Record<string, unknown>, setCookie: res.headers.getSetCookie() }
}

async function signIn (cluster: Cluster, i: number): Promise<User> {
  const account = i % 2 === 0 ? { username: 'alice', password: 'wonderland' } : { username: 'bob', password: 'builder' }
  const login = await api(cluster.lbUrl('/api/login'), '', account)
  assert.equal(login.status, 200, JSON.stringify(login.json))
  const cookie = login.setCookie.map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('sid=')) ?? ''
  assert.notEqual(cookie, '', 'a sid cookie')
  return { cookie, items: [] }
}

async function addItem (cluster: Cluster, user: User, item: string): Promise<void> {
  const res = await api(cluster.lbUrl('/api/cart'), user.cookie, { item })
  assert.equal(res.status, 200, `POST /api/cart ${item}: ${JSON.stringify(res.json)}`)
  user.items.push(item)
}

/** Each user is signed in on every node, directly, with every acknowledged item in the cart. */
async function assertIntact (cluster: Cluster, users: readonly User[], when: string): Promise<void> {
  for (const name of cluster.webNames) {
    for (const [i, user] of users.entries()) {
      const res = await api(cluster.webUrl(name, '/api/session'), user.cookie)
      assert.equal(res.status, 200, `user ${i} signed out on ${name} ${when}: ${JSON.stringify(res.json)}`)
      const cart = new Set(res.json.cart as string[])
      assert.deepEqual(user.items.filter((item) => !cart.has(item)), [], `acknowledged items missing from user ${i}'s cart on ${name} ${when}`)
    }
  }
}

test('changePool grows 2 → 3 and shrinks 3 → 2 with every session and cart intact on every node', { timeout: 90_000 }, async (t) => {
  const cluster = new Cluster({
    portMode: 'ephemeral',
    webNodes: 2,
    output: null,
    stopGraceMs: 5_000,
    startTimeoutMs: 30_000,
    // The writer below is in flight through every roll, so each node must
    // drain until the LB has taken it out; these settings keep that true and
    // the four rolls quick.
    ...QUICK_HEALTH_CHECKS
  })
  const pids: number[] = []
  t.after(async () => {
    pids.push(...cluster.pids())
    await cluster.stop()
    assert.deepEqual(pids.filter(isAlive), [], 'every process the cluster started is gone')
  })
  await cluster.start()
  const users: User[] = []
  for (let i = 0; i < SESSIONS; i++) users.push(await signIn(cluster, i))
  for (const [i, user] of users.entries()) {
    for (let n = 0; n < ITEMS; n++) await addItem(cluster, user, `before-${i}-${n}`)
  }

  // One user writes through the LB all along: its writes land on nodes on either list.
  const writer = await signIn(cluster, SESSIONS)
  let writing = true
  let seq = 0
  // A person's pace, so the cart does not fill before the changes end; a failure is kept for the assertion below.
  const writes = (async (): Promise<unknown> => {
    try {
      while (writing && seq < WRITER_ITEMS) {
        await addItem(cluster, writer, `during-${++seq}`)
        await sleep(200)
      }
    } catch (err) {
      return err
    }
  })()
  const steps: string[] = []
  try {
    const grow = await cluster.changePool({ add: 1 }, { onStep: (s) => steps.push(s.trim()) })
    assert.deepEqual(grow.after, ['memcached-1', 'memcached-2', 'memcached-3'])
    assert.deepEqual(cluster.poolNames, grow.after)
    // Counted on memcached-3, not in the rebalance's report: a node's first
    // probe finds the new server without the filled marker and refills it,
    // and when that refill runs first the rebalance has nothing left to copy.
    assert.ok(await memcachedStat(cluster.memcachedAddress('memcached-3'), 'curr_items') > 0, 'memcached-3 holds sessions')
    for (const name of cluster.webNames) {
      const env = await fetch(cluster.webUrl(name, '/healthz')).then(async (r) => await r.json() as { sessionServers: Array<{ id: string }> })
      assert.deepEqual(env.sessionServers.map((s) => s.id).sort(), grow.after.map((n) => cluster.memcachedAddress(n)).sort(), `${name} runs on the new pool`)
    }
    await assertIntact(cluster, [...users, writer], 'after the grow')
    for (const [i, user] of users.entries()) await addItem(cluster, user, `grown-${i}`)

    // Retire an original server, so sessions it held must have moved to memcached-3.
    const retiredAddress = cluster.memcachedAddress('memcached-1')
    const shrink = await cluster.changePool({ remove: ['memcached-1'] }, { onStep: (s) => steps.push(s.trim()) })
    assert.deepEqual(shrink.after, ['memcached-2', 'memcached-3'])
    assert.equal(cluster.memcachedNames.includes('memcached-1'), false, 'memcached-1 is stopped and gone')
    assert.equal(cluster.sessionServers.includes(retiredAddress), false)
  } finally {
    writing = false
  }
  assert.equal(await writes, undefined, 'every write during the changes was acknowledged')
  assert.ok(seq > 1, 'the writer wrote during the changes')
  assert.deepEqual(steps.filter((s) => /^\d\./.test(s)).map((s) => s.slice(0, 2)), ['1.', '2.', '3.', '4.', '2.', '3.', '4.', '5.'])
  await assertIntact(cluster, [...users, writer], 'after the shrink')
  // Both servers left hold every session: with memcached-2 gone too, memcached-3 alone serves them.
  await cluster.kill('memcached-2')
  await assertIntact(cluster, [...users, writer], 'on memcached-3 alone')
})
