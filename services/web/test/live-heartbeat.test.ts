// The node pings every live socket: one whose peer answers stays open ping
// after ping, one whose peer vanished (never answers) is cut and leaves the
// registry.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pollUntil } from '@stickless/test-support'
import { buildTestApp, cookieHeader, signIn } from './helpers/test-app.js'
import { memcachedPerFile } from './helpers/real-store.js'
import { closeOf, listening, openLive } from './helpers/live-client.js'

const memcached = memcachedPerFile()

test('a socket that answers the pings stays open; one that does not is cut at the next ping', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: { LIVE_PING_INTERVAL_MS: '150' } })
  const port = await listening(app)
  const cookie = cookieHeader({ sid: await signIn(app) })
  const alive = await openLive(port, { cookie })
  const deaf = await openLive(port, { cookie }, { autoPong: false })
  await Promise.all([alive.next('hello'), deaf.next('hello')])
  let pings = 0
  alive.ws.on('ping', () => { pings++ })

  const cut = await closeOf(deaf)
  assert.equal(cut.code, 1006, 'cut without a close frame: its peer is gone')
  await pollUntil(() => pings >= 3, { what: 'three pings answered by the live socket', timeoutMs: 10_000 })
  await alive.roundTrip()
  assert.equal(alive.closeCode, undefined)
  await alive.close()
})

test('LIVE_PING_INTERVAL_MS out of range is refused at start with the option and its value', async (t) => {
  assert.throws(() => buildTestApp(t, memcached, { env: { LIVE_PING_INTERVAL_MS: '5' } }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'STK_ERR_WEB_INVALID_OPTION')
    assert.match(err.message, /LIVE_PING_INTERVAL_MS/)
    return true
  })
})
