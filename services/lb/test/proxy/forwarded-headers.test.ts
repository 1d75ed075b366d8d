import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

test('X-Forwarded-* are set by the LB, overwriting what the client sent', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url, addresses } = await startLb(t, [{ name: 'web-1', url: backend.url }])

  const reply = await requestJson(`${url}/`, {
    headers: {
      host: 'shop.example:8080',
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      forwarded: 'for=6.6.6.6;proto=https',
      'x-real-ip': '6.6.6.6'
    }
  })
  const seen = reply.json.headers
  assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'the client socket address, not the claimed one')
  assert.equal(seen['x-forwarded-proto'], 'http', 'decided by the listener that received it')
  assert.equal(seen['x-forwarded-host'], 'shop.example:8080', 'the Host header')
  assert.equal(seen.host, 'shop.example:8080', 'Host is passed on as the client sent it')
  assert.equal(seen.forwarded, undefined)
  assert.equal(seen['x-real-ip'], undefined)
  assert.ok(addresses.http.port > 0)
})

test('x-request-id is set when absent, passed on, and returned', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }])

  const first = await requestJson(`${url}/`)
  const id = first.headers['x-request-id']
  assert.match(String(id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.equal(first.json.headers['x-request-id'], id)

  const second = await requestJson(`${url}/`, { headers: { 'x-request-id': 'trace-abc-123' } })
  assert.equal(second.headers['x-request-id'], 'trace-abc-123')
  assert.equal(second.json.headers['x-request-id'], 'trace-abc-123')

  const unfit = await requestJson(`${url}/`, { headers: { 'x-request-id': 'x'.repeat(500) } })
  assert.notEqual(unfit.json.headers['x-request-id'], 'x'.repeat(500), 'an oversized id is replaced')
  assert.equal(unfit.headers['x-request-id'], unfit.json.headers['x-request-id'])
})

test('hop-by-hop headers stay on their own connection', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const reply = await requestJson(`${url}/`, {
    headers: { connection: 'keep-alive, x-secret', 'x-secret': 'hop', 'keep-alive': 'timeout=5', 'proxy-connection': 'keep-alive', te: 'trailers', 'x-kept': 'yes' }
  })
  const seen = reply.json.headers
  assert.equal(seen['x-secret'], undefined, 'a header the Connection header names is dropped')
  assert.equal(seen['keep-alive'], undefined)
  assert.equal(seen['proxy-connection'], undefined)
  assert.equal(seen.te, undefined)
  assert.equal(seen['x-kept'], 'yes')
})

test('an IPv4 client on a dual-stack listener is reported as plain IPv4', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { addresses } = await startLb(t, [{ name: 'web-1', url: backend.url }], { host: '::' }).catch((error: NodeJS.ErrnoException) => {
    // Without IPv6 on the host there is no dual-stack listener to test.
    if (error.code === 'EAFNOSUPPORT' || error.code === 'EADDRNOTAVAIL') t.skip('no IPv6')
    throw error
  })
  const reply = await requestJson(`http://127.0.0.1:${addresses.http.port}/`)
  assert.equal(reply.json.headers['x-forwarded-for'], '127.0.0.1')
})
