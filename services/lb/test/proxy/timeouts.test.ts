import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { rawExchange, request } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

test('an upstream that does not answer within proxyTimeoutMs gets 504, and a GET is not retried', async (t) => {
  const silent = await startBackend(t, 'silent', { handler: () => {} })
  const other = await startBackend(t, 'other')
  const { url } = await startLb(t, [{ name: 'silent', url: silent.url }, { name: 'other', url: other.url }], { proxyTimeoutMs: 200 })
  const reply = await request(`${url}/slow`, { headers: { accept: 'application/json' } })
  assert.equal(reply.status, 504)
  assert.equal((JSON.parse(reply.body) as { code: string }).code, 'STK_ERR_LB_UPSTREAM_TIMEOUT')
  assert.equal(other.seen.length, 0, 'a slow upstream may still be working: no retry')
})

test('slowloris: a client that never finishes its headers is cut off after headersTimeoutMs', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { addresses } = await startLb(t, [{ name: 'web-1', url: backend.url }], {
    headersTimeoutMs: 200,
    requestTimeoutMs: 400,
    connectionsCheckingIntervalMs: 50
  })
  // rawExchange gives up (closedByServer false) if the LB never cuts the client
  const outcome = await rawExchange(addresses.http.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', { timeoutMs: 10_000 })
  assert.equal(outcome.closedByServer, true)
  assert.match(outcome.response, /^HTTP\/1\.1 408/)
  assert.equal(backend.seen.length, 0)
})

test('a malformed request gets 400 and the LB keeps serving', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { addresses, url } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const bad = await rawExchange(addresses.http.port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n')
  assert.match(bad.response, /^HTTP\/1\.1 400/)
  const worse = await rawExchange(addresses.http.port, '\x00\x01\x02 garbage\r\n\r\n')
  assert.match(worse.response, /^HTTP\/1\.1 400/)
  const huge = await rawExchange(addresses.http.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
  assert.match(huge.response, /^HTTP\/1\.1 431/)
  assert.equal((await request(`${url}/`)).status, 200)
})
