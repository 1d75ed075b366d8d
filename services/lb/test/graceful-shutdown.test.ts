import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend } from './helpers/fake-backend.js'
import { request } from './helpers/http-client.js'
import { startLb } from './helpers/lb-harness.js'
import { waitFor } from '@stickless/test-support'

test('close() stops accepting, finishes in-flight requests, then resolves', async (t) => {
  const backend = await startBackend(t, 'web-1', {
    handler: (_req, res) => { setTimeout(() => res.end('finished'), 300) }
  })
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }])

  const inFlight = request(`${url}/slow`)
  await waitFor('the request to reach the backend', () => backend.seen.length === 1)
  const closed = lb.close()
  await waitFor('the listener to close', () => !lb.server.listening)
  await assert.rejects(request(`${url}/new`), { code: 'ECONNREFUSED' }, 'no new connections once closing')

  const reply = await inFlight
  assert.equal(reply.status, 200)
  assert.equal(reply.body, 'finished')
  assert.equal(reply.headers.connection, 'close', 'the client is told not to reuse the connection')
  await closed
  assert.equal(lb.server.listening, false)
  assert.equal(lb.adminServer.listening, false)
})

test('close() cuts requests still running at shutdownTimeoutMs', async (t) => {
  const backend = await startBackend(t, 'web-1', { handler: () => {} })
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }], { shutdownTimeoutMs: 200 })
  const stuck = request(`${url}/forever`).then(() => 'answered', () => 'cut')
  await waitFor('the request to reach the backend', () => backend.seen.length === 1)
  // The backend never answers and the proxy timeout is the default 30 s:
  // close() returns only because the shutdown timeout cut the request (no 504).
  await lb.close()
  assert.equal(await stuck, 'cut')
  assert.equal(backend.seen.length, 1)
})
