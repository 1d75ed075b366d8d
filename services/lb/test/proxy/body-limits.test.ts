import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { request, requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

test('a body over maxBodyBytes is refused with 413 before it is forwarded', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }], { bodyBufferLimitBytes: 1_000, maxBodyBytes: 10_000 })
  const reply = await request(`${url}/api/upload`, { method: 'POST', body: 'x'.repeat(10_001) })
  assert.equal(reply.status, 413)
  assert.equal((JSON.parse(reply.body) as { code: string }).code, 'STK_ERR_LB_PAYLOAD_TOO_LARGE')
  assert.equal(backend.seen.length, 0)
})

test('a chunked body that grows past maxBodyBytes is cut off with 413', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }], { bodyBufferLimitBytes: 1_000, maxBodyBytes: 10_000 })
  // A keep-alive client: the LB drops the rest of the body and keeps the connection.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => agent.destroy())
  const reply = await request(`${url}/api/upload`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: 'y'.repeat(20_000), agent })
  assert.equal(reply.status, 413)
  assert.equal(backend.seen.length, 0)
  assert.equal((await request(`${url}/next`, { agent })).reusedSocket, true, 'the connection carries the next request')
})

test('a body between the buffer limit and the maximum is streamed to one upstream', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }], { bodyBufferLimitBytes: 1_000, maxBodyBytes: 100_000 })
  const body = 'z'.repeat(50_000)
  const reply = await requestJson(`${url}/api/upload`, { method: 'POST', body })
  assert.equal(reply.status, 200)
  assert.equal(reply.json.body.length, 50_000)
  const chunked = await requestJson(`${url}/api/upload`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body })
  assert.equal(chunked.status, 200)
  assert.equal(chunked.json.body, body)
})

test('a streamed body is not retried: a dead upstream answers 503/502 rather than a replay', async (t) => {
  const dead = await startBackend(t, 'dead')
  const alive = await startBackend(t, 'alive')
  await dead.kill()
  const { url } = await startLb(t, [{ name: 'dead', url: dead.url }, { name: 'alive', url: alive.url }], { bodyBufferLimitBytes: 100, maxBodyBytes: 100_000 })
  const reply = await request(`${url}/api/upload`, { method: 'POST', body: 'q'.repeat(5_000) })
  assert.equal(reply.status, 502)
  assert.equal(alive.seen.length, 0)
  // The next small request goes to the live node, since the dead one was ejected.
  assert.equal((await request(`${url}/`)).status, 200)
})
