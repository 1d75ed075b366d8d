// Nothing a client sends on the live channel crashes the node or ends
// another socket: a message over 64 KiB closes its own socket with 1009, a
// flood its own with 1008, garbage gets error messages.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import { buildTestApp, cookieHeader, signIn } from './helpers/test-app.js'
import { memcachedPerFile } from './helpers/real-store.js'
import { closeOf, listening, openLive, type LiveClient } from './helpers/live-client.js'
import { pollUntil } from '@stickless/test-support'
import { drainAndClose } from '../src/shutdown.js'

const memcached = memcachedPerFile()

/** A client on a bare TCP socket: the upgrade by hand, then whatever frames a test writes. */
async function rawLive (port: number, cookie: string): Promise<{ socket: net.Socket, received: () => Buffer }> {
  const socket = net.connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => { chunks.push(chunk) })
  socket.on('error', () => {})
  const received = (): Buffer => Buffer.concat(chunks)
  socket.write([
    'GET /api/live HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', `Cookie: ${cookie}`, '', ''
  ].join('\r\n'))
  await pollUntil(() => received().toString('latin1').startsWith('HTTP/1.1 101') && received().includes('"hello"'), { what: 'the raw client\'s 101 and hello', timeoutMs: 10_000 })
  return { socket, received }
}

/** A masked client frame (RFC 6455 §5.2), small payloads only. */
function clientFrame (opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4)
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)))])
}

async function stillServes (client: LiveClient): Promise<void> {
  const from = client.messages.length
  client.send('{"type":"ping"}')
  await client.next('pong', from)
  assert.equal(client.ws.readyState, client.ws.OPEN)
}

test('a message over 64 KiB closes its socket with 1009; one of 64 KiB is answered; other sockets are untouched', async (t) => {
  const { app } = buildTestApp(t, memcached)
  const port = await listening(app)
  const cookie = cookieHeader({ sid: await signIn(app) })
  const big = await openLive(port, { cookie })
  const bystander = await openLive(port, { cookie })
  await Promise.all([big.next('hello'), bystander.next('hello')])
  const from = big.messages.length
  big.send('x'.repeat(64 * 1024))
  assert.equal((await big.next('error', from)).code, 'STK_ERR_WEB_LIVE_MESSAGE', 'exactly 64 KiB is allowed')
  big.send('x'.repeat(64 * 1024 + 1))
  assert.equal((await closeOf(big)).code, 1009)
  await stillServes(bystander)
})

test('a flood past the rate limit closes its socket with 1008; another socket of the same session goes on', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: { LIVE_MESSAGES_PER_SECOND: '1', LIVE_MESSAGE_BURST: '5' } })
  const port = await listening(app)
  const cookie = cookieHeader({ sid: await signIn(app) })
  const flood = await openLive(port, { cookie })
  const calm = await openLive(port, { cookie })
  await Promise.all([flood.next('hello'), calm.next('hello')])
  for (let i = 0; i < 50; i++) flood.send('{"type":"ping"}')
  assert.equal((await closeOf(flood)).code, 1008)
  assert.ok(flood.messages.filter((m) => m.type === 'pong').length <= 6, 'the burst was answered, then the socket closed')
  await stillServes(calm)
})

test('garbage frames (binary, broken JSON, broken UTF-8) crash nothing and end no other socket', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: { LIVE_MESSAGE_BURST: '1000', LIVE_MESSAGES_PER_SECOND: '1000' } })
  const port = await listening(app)
  const cookie = cookieHeader({ sid: await signIn(app) })
  const attacker = await openLive(port, { cookie })
  const bystander = await openLive(port, { cookie })
  await Promise.all([attacker.next('hello'), bystander.next('hello')])
  const garbage: Array<[string | Buffer, boolean]> = [
    [randomBytes(1000), true], ['{', false], ['[]', false], ['null', false], ['{"type":{"$gt":1}}', false],
    ['{"__proto__":{"type":"ping"}}', false], ['"ping"', false], [Buffer.alloc(0), true], ['', false]
  ]
  const from = attacker.messages.length
  for (const [data, binary] of garbage) attacker.send(data, { binary })
  await pollUntil(() => attacker.messages.slice(from).filter((m) => m.type === 'error').length === garbage.length, { what: 'an error for each', timeoutMs: 10_000 })
  await stillServes(attacker)
  // invalid UTF-8 in a text frame breaks the protocol: that socket alone closes, with 1007
  const broken = await rawLive(port, cookie)
  t.after(() => broken.socket.destroy())
  broken.socket.write(clientFrame(0x1, Buffer.from([0xff, 0xfe])))
  await pollUntil(() => broken.received().includes(Buffer.from([0x88, 0x02, 0x03, 0xef])), { what: 'a close frame with 1007', timeoutMs: 10_000 })
  await stillServes(attacker)
  await stillServes(bystander)
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
})

test('drain: closing the node closes every live socket with 1001, and a client that never answers does not hold the exit', async (t) => {
  const { app, store, lifecycle } = buildTestApp(t, memcached)
  const port = await listening(app)
  const sid = await signIn(app)
  const polite = await openLive(port, { cookie: cookieHeader({ sid }) })
  await polite.next('hello')
  // A client that completes the upgrade, then never reads or answers the close.
  const deaf = await rawLive(port, cookieHeader({ sid }))
  t.after(() => deaf.socket.destroy())
  deaf.socket.pause()

  const closed = drainAndClose({ app, store, lifecycle, drainMs: 0, logger: app.log })
  assert.equal((await closeOf(polite)).code, 1001)
  await closed // the node may exit now: the deaf socket did not hold it
  deaf.socket.resume()
  await pollUntil(() => deaf.socket.closed, { what: 'the deaf socket cut by the node', timeoutMs: 10_000 })
})
