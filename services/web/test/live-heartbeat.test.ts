// The node pings every live socket: one whose peer answers stays open beat
// after beat, one whose peer vanished (never answers) is cut at the next
// beat and leaves the registry. The beats are called by the test (the timer
// is off), so what is judged is the order of pings and pongs, not a clock.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { closeOf, openLiveSocket, pollUntil } from '@stickless/test-support'
import { LiveHeartbeat } from '../src/live/live-heartbeat.js'
import { LiveRegistry } from '../src/live/live-registry.js'
import { LiveSocket } from '../src/live/live-socket.js'
import { buildTestApp } from './helpers/test-app.js'
import { memcachedPerFile } from './helpers/real-store.js'

const memcached = memcachedPerFile()

test('a socket that answers the pings stays open; one that does not is cut at the next beat', async (t) => {
  const registry = new LiveRegistry()
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  t.after(() => { server.close() })
  const serverSide: LiveSocket[] = []
  server.on('connection', (ws: WebSocket) => {
    const socket = new LiveSocket(ws, `session-${serverSide.length}`, 'alice')
    serverSide.push(socket)
    registry.add(socket)
    ws.on('close', () => { registry.remove(socket) })
    socket.send({ type: 'hello', node: 'web-1', user: 'alice' })
  })
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`
  const alive = await openLiveSocket(url)
  const deaf = await openLiveSocket(url, { autoPong: false })
  t.after(async () => { await alive.close() })
  const [aliveSide, deafSide] = serverSide as [LiveSocket, LiveSocket]
  const heartbeat = new LiveHeartbeat(registry, 0)

  heartbeat.beat()
  assert.equal(deafSide.awaitingPong, true)
  await pollUntil(() => !aliveSide.awaitingPong, { what: 'the pong of the live client', timeoutMs: 10_000 })

  heartbeat.beat()
  assert.equal((await closeOf(deaf)).code, 1006, 'cut without a close frame: its peer is gone')
  assert.deepEqual(registry.all(), [aliveSide], 'the cut socket left the registry')
  await pollUntil(() => !aliveSide.awaitingPong, { what: 'the second pong of the live client', timeoutMs: 10_000 })
  heartbeat.beat()
  assert.equal(alive.closeCode, undefined, 'the live socket is still open after three beats')
  assert.equal(registry.size, 1)
})

test('LIVE_PING_INTERVAL_MS out of range is refused at start with the option and its value', async (t) => {
  assert.throws(() => buildTestApp(t, memcached, { env: { LIVE_PING_INTERVAL_MS: '5' } }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'STK_ERR_WEB_INVALID_OPTION')
    assert.match(err.message, /LIVE_PING_INTERVAL_MS/)
    return true
  })
})
