import assert from 'node:assert/strict'
import net from 'node:net'
import { test } from 'node:test'
import { waitFor } from '@stickless/test-support'
import { startLb } from '../helpers/lb-harness.js'
import { openWs, startWsBackend } from '../helpers/ws-backend.js'

const upgradeHead = 'GET /api/live HTTP/1.1\r\nHost: lb.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n'

test('close(): a new upgrade is refused with a coded 503, an open socket is closed with 1001 on both sides after the grace period', async (t) => {
  const node = await startWsBackend(t, 'web-1')
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: node.url }], { shutdownTimeoutMs: 300 })
  const client = await openWs(t, `${url.replace('http://', 'ws://')}/api/live`)
  await waitFor('the hello', () => client.messages.length === 1)

  // An upgrade whose headers are half sent when shutdown begins (new
  // connections are refused by then): its last header line arrives after.
  let held: net.Socket | undefined
  lb.server.once('connection', (socket: net.Socket) => { held = socket })
  const late = net.connect(Number(new URL(url).port), '127.0.0.1')
  t.after(() => late.destroy())
  await new Promise((resolve) => late.once('connect', resolve))
  late.write(upgradeHead)
  let answer = ''
  late.setEncoding('utf8').on('data', (chunk: string) => { answer += chunk })
  const lateEnded = new Promise((resolve) => late.once('end', resolve))
  await waitFor('the LB to have read the half-sent request', () => held !== undefined && held.bytesRead === upgradeHead.length)

  const closed = lb.close()
  await waitFor('the listener to close', () => !lb.server.listening)
  late.write('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n')
  await lateEnded
  assert.match(answer, /^HTTP\/1\.1 503 /)
  assert.match(answer, /\r\nconnection: close\r\n/i)
  assert.match(answer, /"code":"STK_ERR_LB_SHUTTING_DOWN"/)
  assert.equal(node.upgrades.length, 1, 'the node never saw it')

  const { code } = await client.closed
  assert.equal(code, 1001)
  await waitFor('the node to see 1001', () => node.closeCodes.includes(1001))
  await closed
})

test('close() waits for a frame boundary: a half-sent client frame reaches the node whole, then the close', async (t) => {
  const node = await startWsBackend(t, 'web-1')
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: node.url }], { shutdownTimeoutMs: 50, upgradeCloseTimeoutMs: 5_000 })
  const raw = net.connect(Number(new URL(url).port), '127.0.0.1')
  t.after(() => raw.destroy())
  let received = Buffer.alloc(0)
  raw.on('data', (chunk: Buffer) => { received = Buffer.concat([received, chunk]) })
  raw.write(`${upgradeHead}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`)
  await waitFor('the 101 and the hello', () => received.includes('hello'))
  assert.match(received.toString('latin1'), /^HTTP\/1\.1 101 /)

  // A masked text frame of 10 bytes, of which only the header and 4 bytes are sent before close().
  const payload = Buffer.from('0123456789')
  const key = Buffer.from([9, 8, 7, 6])
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!))
  raw.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), key, masked.subarray(0, 4)]))
  await waitFor('the node to have the first part', () => node.bytesReceived === 10)
  received = Buffer.alloc(0)
  const closed = lb.close()
  // Past the grace period the LB closes, but not inside the client's frame:
  // the rest of it is still relayed, and the close follows it.
  await new Promise((resolve) => setTimeout(resolve, 150))
  assert.equal(node.closeCodes.length, 0, 'no close inside a frame')
  raw.write(masked.subarray(4))
  await waitFor('the node to get the whole message, then 1001', () => node.closeCodes.includes(1001))
  assert.deepEqual(node.received, ['0123456789'])
  await waitFor('the client\'s close frame', () => received.includes(Buffer.from([0x88])))
  const at = received.indexOf(Buffer.from([0x88]))
  assert.equal(received.readUInt16BE(at + 2), 1001, 'an unmasked close frame with 1001')
  raw.end()
  await closed
})
