// The live channel on the real cluster: a session ended on one node closes
// its sockets on every node with 4001 (revoke by handle, logout), and leaves
// every other session's sockets open; and one logout everywhere closes 300
// sockets of one user, opened through the LB and so spread over the three
// nodes, every one with 4001; and a node given SIGTERM closes its sockets
// with 1001, and the client reconnects through the LB to another node.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { closeOf, openLiveSocket, type LiveSocket } from '@stickless/test-support'
import { ALICE, apiSignIn } from './helpers/accounts.js'
import { logsOf, useCluster } from './helpers/cluster-fixture.js'
import { jsonOf, summarize, type HttpClient } from './helpers/http-client.js'

const cluster = useCluster()

/** The contract's bound: every socket of an ended session closes within 2 s. */
const CLOSE_BOUND_MS = 2_000
const SESSIONS = 30
const SOCKETS_PER_SESSION = 10

/** The ws:// URL of the live channel from the http:// URL of its path. */
function liveUrl (httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws')
}

function cookieOf (client: HttpClient): string {
  const sid = client.jar.get('sid')
  assert.ok(sid !== undefined, 'signed in with a cookie')
  return `sid=${sid}`
}

/** The handle /api/sessions gives the session of `target`, asked by `asker`. */
async function handleOf (asker: HttpClient, target: HttpClient): Promise<string> {
  const mine = jsonOf<{ sessions: Array<{ handle: string, current: boolean }> }>(await target.get(cluster.lbUrl('/api/sessions')))
  const current = mine.sessions.find((s) => s.current)
  assert.ok(current !== undefined, 'the target sees its own session as current')
  const theirs = jsonOf<{ sessions: Array<{ handle: string }> }>(await asker.get(cluster.lbUrl('/api/sessions')))
  assert.ok(theirs.sessions.some((s) => s.handle === current.handle), 'both see the same handle for one session')
  return current.handle
}

/** Waits for every socket to close; returns the codes and the slowest close, in ms after `since`. */
async function closes (sockets: readonly LiveSocket[], since: number): Promise<{ codes: number[], slowestMs: number }> {
  let slowest = 0
  const codes = await Promise.all(sockets.map(async (socket) => {
    const close = await Promise.race([
      socket.closed,
      new Promise<{ code: number }>((resolve) => setTimeout(() => { resolve({ code: -1 }) }, CLOSE_BOUND_MS + 5_000).unref())
    ])
    slowest = Math.max(slowest, performance.now() - since)
    return close.code
  }))
  return { codes, slowestMs: slowest }
}

async function stillLive (socket: LiveSocket, what: string): Promise<void> {
  assert.equal(socket.closeCode, undefined, `${what}: still open`)
  await socket.roundTrip()
}

test('a session revoked on one node, or logged out on another, closes its sockets on every node with 4001; the other session\'s stay open', async (t) => {
  const ended = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  const kept = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  const open: LiveSocket[] = []
  t.after(async () => { await Promise.all(open.map(async (s) => await s.close())) })
  const onEveryNode = async (client: HttpClient): Promise<LiveSocket[]> => await Promise.all(cluster.webNames.map(async (name) => {
    const socket = await openLiveSocket(liveUrl(cluster.webUrl(name, '/api/live')), { cookie: cookieOf(client) })
    assert.equal(socket.hello?.node, name)
    assert.equal(socket.hello?.user, ALICE.username)
    open.push(socket)
    return socket
  }))
  const endedSockets = await onEveryNode(ended)
  const keptSockets = await onEveryNode(kept)

  // Revoked by its handle, from the other session, on web-1 directly.
  const handle = await handleOf(kept, ended)
  const since = performance.now()
  const revoke = await kept.request(cluster.webUrl(cluster.webNames[0] ?? 'web-1', `/api/sessions/${encodeURIComponent(handle)}`), { method: 'DELETE' })
  assert.equal(revoke.status, 204, summarize(revoke))
  const revoked = await closes(endedSockets, since)
  t.diagnostic(`revoke: ${endedSockets.length} sockets on ${cluster.webNames.join(', ')} closed with ${revoked.codes.join(', ')}, the slowest ${Math.round(revoked.slowestMs)} ms after the DELETE`)
  assert.deepEqual(revoked.codes, endedSockets.map(() => 4001), logsOf(cluster, cluster.webNames, 20))
  for (const [i, socket] of keptSockets.entries()) await stillLive(socket, `the other session's socket on ${cluster.webNames[i] ?? '?'}`)
  assert.equal((await ended.get(cluster.lbUrl('/api/session'))).status, 401, 'the revoked cookie is refused')

  // The kept session logs out on web-2: its sockets on every node close.
  const logoutAt = performance.now()
  const logout = await kept.request(cluster.webUrl(cluster.webNames[1] ?? 'web-2', '/api/logout'), { method: 'POST' })
  assert.equal(logout.status, 204, summarize(logout))
  const loggedOut = await closes(keptSockets, logoutAt)
  t.diagnostic(`logout: ${keptSockets.length} sockets closed with ${loggedOut.codes.join(', ')}, the slowest ${Math.round(loggedOut.slowestMs)} ms after the logout`)
  assert.deepEqual(loggedOut.codes, keptSockets.map(() => 4001))
})

test(`one logout everywhere closes ${SESSIONS * SOCKETS_PER_SESSION} sockets of one user, over the three nodes, with 4001`, { timeout: 120_000 }, async (t) => {
  const clients: HttpClient[] = []
  for (let i = 0; i < SESSIONS; i++) clients.push(await apiSignIn(cluster.lbUrl('/api/login'), ALICE))
  const sockets: LiveSocket[] = []
  t.after(async () => { await Promise.all(sockets.map(async (s) => await s.close())) })
  for (const client of clients) {
    sockets.push(...await Promise.all(Array.from({ length: SOCKETS_PER_SESSION }, async () => await openLiveSocket(liveUrl(cluster.lbUrl('/api/live')), { cookie: cookieOf(client) }))))
  }
  const perNode = new Map<string, number>()
  for (const socket of sockets) perNode.set(String(socket.hello?.node), (perNode.get(String(socket.hello?.node)) ?? 0) + 1)
  t.diagnostic(`${sockets.length} sockets through the LB: ${[...perNode].sort().map(([n, c]) => `${n} ${c}`).join(', ')}`)
  assert.deepEqual([...perNode.keys()].sort(), cluster.webNames, 'the LB spread the sockets over every node')

  const since = performance.now()
  const res = await (clients[0] as HttpClient).request(cluster.lbUrl('/api/logout-everywhere'), { method: 'POST' })
  assert.equal(res.status, 204, summarize(res))
  const { codes, slowestMs } = await closes(sockets, since)
  const byCode = new Map<number, number>()
  for (const code of codes) byCode.set(code, (byCode.get(code) ?? 0) + 1)
  t.diagnostic(`logout everywhere: ${sockets.length} sockets closed (${[...byCode].map(([c, n]) => `${n} × ${c}`).join(', ')}), the slowest ${Math.round(slowestMs)} ms after the request`)
  assert.deepEqual([...byCode], [[4001, sockets.length]], logsOf(cluster, cluster.webNames, 20))
})

test('a web node given SIGTERM closes its sockets with 1001 once out of rotation; the client reconnects through the LB to another node, still signed in', { timeout: 120_000 }, async (t) => {
  const client = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  const sockets: LiveSocket[] = []
  t.after(async () => { await Promise.all(sockets.map(async (s) => await s.close())) })
  for (let i = 0; i < 2 * cluster.webNames.length; i++) sockets.push(await openLiveSocket(liveUrl(cluster.lbUrl('/api/live')), { cookie: cookieOf(client) }))
  const victim = cluster.webNames[1] ?? 'web-2'
  const onVictim = sockets.filter((s) => s.hello?.node === victim)
  assert.ok(onVictim.length > 0, `round robin put a socket on ${victim}: ${sockets.map((s) => String(s.hello?.node)).join(', ')}`)

  const exit = cluster.kill(victim, 'SIGTERM')
  t.after(async () => { if (!cluster.isRunning(victim)) await cluster.restart(victim) })
  const closes = await Promise.all(onVictim.map(async (s) => await closeOf(s, 30_000)))
  assert.deepEqual(closes.map((c) => c.code), onVictim.map(() => 1001), `${victim}'s sockets close with 1001`)
  assert.equal((await exit).code, 0, `${victim} exits cleanly after its drain`)

  // What the page does: reconnect through the LB. It lands on a node still in rotation, signed in.
  for (let i = 0; i < onVictim.length; i++) {
    const again = await openLiveSocket(liveUrl(cluster.lbUrl('/api/live')), { cookie: cookieOf(client) })
    sockets.push(again)
    assert.notEqual(again.hello?.node, victim)
    assert.equal(again.hello?.user, ALICE.username)
  }
  for (const socket of sockets.filter((s) => s.hello?.node !== victim)) await socket.roundTrip()
})
