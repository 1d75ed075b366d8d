// The LB's Server-Timing entries on a relayed response: its own time, one
// entry per attempt (a refused connection, then the node that answered),
// beside the node's own Server-Timing field, which is passed on untouched.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startBackend } from '../helpers/fake-backend.js'
import { request } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

test('a retried request: lb, the failed attempt with its code, the answering attempt, and the node\'s own field', async (t) => {
  const dead = await startBackend(t, 'dead')
  const live = await startBackend(t, 'live', {
    handler: (_req, res) => { res.writeHead(200, { 'server-timing': 'node;dur=1.5' }).end('ok') }
  })
  const { lb, url } = await startLb(t, [{ name: 'dead', url: dead.url }, { name: 'live', url: live.url }])
  await lb.checkHealth()
  // killed after the health check: the LB still sends the first request its way, and the connection is refused
  await dead.kill()
  const replies = [await request(`${url}/a`), await request(`${url}/b`)]
  const retried = replies.find((r) => String(r.headers['server-timing']).includes('ECONNREFUSED'))
  assert.ok(retried, replies.map((r) => String(r.headers['server-timing'])).join(' | '))
  assert.equal(retried.status, 200)
  const fields = String(retried.headers['server-timing'])
  assert.match(fields, /^node;dur=1\.5, lb;dur=[\d.]+, lb-attempt;dur=[\d.]+;desc="dead ECONNREFUSED", lb-attempt;dur=[\d.]+;desc="live"$/)
})

test('a response the LB answers itself (a body over its limit) carries no LB entries: no node was reached', async (t) => {
  const live = await startBackend(t, 'live')
  const { url } = await startLb(t, [{ name: 'live', url: live.url }], { maxBodyBytes: 16, bodyBufferLimitBytes: 16 })
  const reply = await request(`${url}/`, { method: 'POST', body: 'x'.repeat(100), headers: { 'content-type': 'text/plain' } })
  assert.equal(reply.status, 413)
  assert.equal(reply.headers['server-timing'], undefined)
  assert.equal(live.seen.length, 0)
})
