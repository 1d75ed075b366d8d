import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { test } from 'node:test'
import { waitFor } from '@stickless/test-support'
import { request } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'
import { openWs, startWsBackend, upgradeRefusal, type Refusal, type WsClient } from '../helpers/ws-backend.js'
import type { StatusReport } from '../../src/index.js'

const wsUrl = (url: string): string => `${url.replace('http://', 'ws://')}/api/live`

async function status (adminUrl: string): Promise<StatusReport> {
  return JSON.parse((await request(`${adminUrl}/status.json`)).body) as StatusReport
}

test('a WebSocket through the LB: messages both ways, forwarding headers set, round robin over the nodes', async (t) => {
  const nodes = await Promise.all(['web-1', 'web-2'].map((name) => startWsBackend(t, name)))
  const { url } = await startLb(t, nodes.map((n) => ({ name: n.name, url: n.url })))

  const first = await openWs(t, wsUrl(url), { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' })
  await waitFor('the hello', () => first.messages.length === 1)
  const firstNode = first.messages[0]?.node
  first.ws.send('ping one')
  await waitFor('the echo', () => first.messages.length === 2)
  assert.deepEqual(first.messages[1], { node: firstNode, echo: 'ping one' })

  const seen = nodes.find((n) => n.name === firstNode)?.upgrades[0]
  assert.ok(seen !== undefined)
  assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'the client\'s own value is overwritten')
  assert.equal(seen['x-forwarded-proto'], 'http')
  assert.equal(seen['x-forwarded-host'], url.slice('http://'.length))
  assert.match(String(seen['x-request-id']), /^[0-9a-f-]{36}$/)
  assert.equal(seen.upgrade, 'websocket')
  assert.equal(seen.connection, 'upgrade')
  assert.ok(seen['sec-websocket-key'] !== undefined, 'end-to-end WebSocket headers pass')

  const second = await openWs(t, wsUrl(url), { 'x-request-id': 'given-id-1' })
  await waitFor('the second hello', () => second.messages.length === 1)
  assert.notEqual(second.messages[0]?.node, firstNode, 'round robin')
  const secondSeen = nodes.find((n) => n.name === second.messages[0]?.node)?.upgrades[0]
  assert.equal(secondSeen?.['x-request-id'], 'given-id-1', 'a client\'s request id is kept')
})

test('a node that refuses connections is skipped: the upgrade is retried on another node', async (t) => {
  const dead = await startWsBackend(t, 'dead')
  const alive = await startWsBackend(t, 'alive')
  await dead.kill()
  const { url, lb } = await startLb(t, [{ name: 'dead', url: dead.url }, { name: 'alive', url: alive.url }])
  for (let i = 0; i < 2; i++) {
    const client = await openWs(t, wsUrl(url))
    await waitFor('the hello', () => client.messages.length === 1)
    assert.equal(client.messages[0]?.node, 'alive')
    client.ws.close()
  }
  assert.equal(lb.balancer.state(dead.url), 'ejected')
})

test('a node that resets the connection before answering is skipped too', async (t) => {
  let resets = 0
  const resetting = net.createServer((socket) => {
    socket.on('error', () => {})
    socket.once('data', () => {
      resets += 1
      socket.resetAndDestroy()
    })
  })
  await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => resetting.close(() => resolve())))
  const alive = await startWsBackend(t, 'alive')
  const { url } = await startLb(t, [{ name: 'resetting', url: `http://127.0.0.1:${(resetting.address() as AddressInfo).port}` }, { name: 'alive', url: alive.url }])
  for (let i = 0; i < 2; i++) {
    const client = await openWs(t, wsUrl(url))
    await waitFor('the hello', () => client.messages.length === 1)
    assert.equal(client.messages[0]?.node, 'alive')
    client.ws.close()
  }
  assert.ok(resets >= 1, 'an upgrade met the reset, and went on to the other node')
})

test('a node\'s refusal (401, 403) reaches the client as sent, and nothing is retried', async (t) => {
  // As the web nodes do: no session cookie is a 401, an Origin of another site a 403.
  const refuse = (req: IncomingMessage): Refusal | undefined => req.headers.origin === 'https://evil.example'
    ? { status: 403, body: '{"code":"STK_ERR_WEB_FOREIGN_ORIGIN"}' }
    : req.headers.cookie === undefined ? { status: 401, body: '{"code":"STK_ERR_WEB_NO_SESSION"}' } : undefined
  const node = await startWsBackend(t, 'web-1', { refuse })
  const other = await startWsBackend(t, 'web-2', { refuse })
  const { url, adminUrl } = await startLb(t, [{ name: 'web-1', url: node.url }, { name: 'web-2', url: other.url }])

  const unauthenticated = await upgradeRefusal(wsUrl(url))
  assert.equal(unauthenticated.status, 401)
  assert.equal(unauthenticated.body, '{"code":"STK_ERR_WEB_NO_SESSION"}')
  assert.equal(unauthenticated.headers['content-type'], 'application/json')
  assert.ok(unauthenticated.headers['x-served-by'] !== undefined)
  assert.equal(node.upgrades.length + other.upgrades.length, 1, 'one node saw it: a refusal is not retried')

  const foreign = await upgradeRefusal(wsUrl(url), { cookie: 'sid=1', origin: 'https://evil.example' })
  assert.equal(foreign.status, 403)
  assert.equal(foreign.body, '{"code":"STK_ERR_WEB_FOREIGN_ORIGIN"}')

  assert.equal(node.upgrades.length + other.upgrades.length, 2)
  const metrics = (await request(`${adminUrl}/metrics`)).body
  assert.match(metrics, /^lb_upgrades_total\{upstream="web-1",outcome="refused"\} 1$/m)
  assert.match(metrics, /^lb_upgrades_total\{upstream="web-2",outcome="refused"\} 1$/m)
})

test('a node that dies mid-socket: the client sees the close at once', async (t) => {
  const node = await startWsBackend(t, 'web-1')
  const { url, adminUrl } = await startLb(t, [{ name: 'web-1', url: node.url }])
  const client = await openWs(t, wsUrl(url))
  await waitFor('the hello', () => client.messages.length === 1)
  await waitFor('status.json to count it', async () => (await status(adminUrl)).upstreams[0]?.upgradedSockets === 1)
  await node.kill()
  const closed = await client.closed
  assert.equal(closed.code, 1006, 'an abnormal close, not a hang')
  await waitFor('the count to drop', async () => (await status(adminUrl)).totals.upgradedSockets === 0)
})

test('a node the health checks take out has its sockets closed', async (t) => {
  const nodes = await Promise.all(['web-1', 'web-2'].map((name) => startWsBackend(t, name)))
  const { url, lb } = await startLb(t, nodes.map((n) => ({ name: n.name, url: n.url })))
  const a = await openWs(t, wsUrl(url))
  const b = await openWs(t, wsUrl(url))
  await waitFor('both hellos', () => a.messages.length === 1 && b.messages.length === 1)
  const onWeb1 = a.messages[0]?.node === 'web-1' ? a : b
  const onWeb2 = onWeb1 === a ? b : a
  const web1 = nodes[0]!
  // Like a frozen node: its checks fail (it would not answer), so it leaves rotation.
  web1.healthStatus = 500
  await lb.checkHealth()
  await lb.checkHealth()
  assert.equal(lb.balancer.state(web1.url), 'unhealthy')
  await onWeb1.closed
  assert.equal(onWeb2.ws.readyState, onWeb2.ws.OPEN, 'the other node\'s socket stays open')
})

test('over maxUpgradedSockets an upgrade gets a coded 503 and no node sees it', async (t) => {
  const node = await startWsBackend(t, 'web-1')
  const { url, adminUrl } = await startLb(t, [{ name: 'web-1', url: node.url }], { maxUpgradedSockets: 1 })
  const first = await openWs(t, wsUrl(url))
  await waitFor('the hello', () => first.messages.length === 1)
  const refused = await upgradeRefusal(wsUrl(url))
  assert.equal(refused.status, 503)
  const body = JSON.parse(refused.body) as { code: string, requestId: string }
  assert.equal(body.code, 'STK_ERR_LB_TOO_MANY_UPGRADES')
  assert.equal(refused.headers['x-request-id'], body.requestId)
  assert.equal(node.upgrades.length, 1)
  const metrics = (await request(`${adminUrl}/metrics`)).body
  assert.match(metrics, /^lb_upgrades_total\{upstream="none",outcome="refused"\} 1$/m)
  assert.match(metrics, /^lb_upgrades_total\{upstream="web-1",outcome="accepted"\} 1$/m)
  assert.match(metrics, /^lb_upstream_upgraded_sockets\{upstream="web-1"\} 1$/m)

  first.ws.close()
  await first.closed
  await waitFor('the slot to be free', async () => (await status(adminUrl)).totals.upgradedSockets === 0)
  const again = await openWs(t, wsUrl(url))
  await waitFor('the hello', () => again.messages.length === 1)
})

test('an upgraded connection idle for upgradeIdleTimeoutMs is closed with 1001 on both sides', async (t) => {
  const node = await startWsBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: node.url }], { upgradeIdleTimeoutMs: 300 })
  const client = await openWs(t, wsUrl(url))
  const closed = await client.closed
  assert.equal(closed.code, 1001)
  await waitFor('the node to see 1001 too', () => node.closeCodes.includes(1001))
})

test('status.json and the status page show the open sockets per node', async (t) => {
  const nodes = await Promise.all(['web-1', 'web-2'].map((name) => startWsBackend(t, name)))
  const { url, adminUrl } = await startLb(t, nodes.map((n) => ({ name: n.name, url: n.url })))
  const clients: WsClient[] = []
  for (let i = 0; i < 3; i++) clients.push(await openWs(t, wsUrl(url)))
  await waitFor('three hellos', () => clients.every((c) => c.messages.length === 1))
  const report = await status(adminUrl)
  assert.equal(report.totals.upgradedSockets, 3)
  assert.deepEqual(report.upstreams.map((u) => u.upgradedSockets).sort(), [1, 2])
  const page = (await request(`${adminUrl}/status`)).body
  assert.match(page, /<div class="card"><b>3<\/b><span>WebSockets<\/span><\/div>/)
})

test('an upgraded socket is not cut by the HTTP server\'s header, request or keep-alive timeouts', async (t) => {
  const node = await startWsBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: node.url }], { headersTimeoutMs: 100, requestTimeoutMs: 100, keepAliveTimeoutMs: 100, connectionsCheckingIntervalMs: 20 })
  const client = await openWs(t, wsUrl(url))
  await waitFor('the hello', () => client.messages.length === 1)
  // Several checking intervals and timeouts pass; the socket must still carry messages.
  await new Promise((resolve) => setTimeout(resolve, 400))
  client.ws.send('still there')
  await waitFor('the echo', () => client.messages.length === 2)
  assert.equal(client.ws.readyState, client.ws.OPEN)
})
