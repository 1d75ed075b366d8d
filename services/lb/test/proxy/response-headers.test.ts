import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend, startRawBackend } from '../helpers/fake-backend.js'
import { rawExchange, request } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

// The response head is copied from the upstream's rawHeaders (response-head.ts),
// not from Node's lower-cased, merged `headers` object.

test('response hop-by-hop headers, and those the upstream Connection header lists, stay on the upstream hop', async (t) => {
  const backend = await startBackend(t, 'web-1', {
    handler: (_req, res) => {
      res.setHeader('Connection', 'keep-alive, X-Upstream-Secret')
      res.setHeader('Keep-Alive', 'timeout=72')
      res.setHeader('X-Upstream-Secret', 'hop')
      res.setHeader('Upgrade', 'h2c')
      res.setHeader('x-request-id', 'the-upstream-own-id')
      res.setHeader('X-Kept', 'yes')
      res.end('ok')
    }
  })
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const reply = await request(`${url}/`, { headers: { 'x-request-id': 'client-id-1' } })
  assert.equal(reply.status, 200)
  assert.equal(reply.body, 'ok')
  assert.equal(reply.headers['x-upstream-secret'], undefined, 'a header the upstream Connection header names is dropped')
  assert.equal(reply.headers.upgrade, undefined)
  assert.notEqual(reply.headers['keep-alive'], 'timeout=72', 'the upstream Keep-Alive is not the client connection\'s')
  assert.equal(reply.headers['x-kept'], 'yes')
  assert.equal(reply.headers['x-request-id'], 'client-id-1', 'the LB\'s request id wins over the upstream\'s')
})

test('repeated response headers stay repeated and names keep their case', async (t) => {
  const backend = await startRawBackend(t, 'HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Mixed-Case: v\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')
  const { addresses } = await startLb(t, [{ name: 'raw', url: backend.url }])
  const { response } = await rawExchange(addresses.http.port, 'GET / HTTP/1.1\r\nHost: lb.test\r\nConnection: close\r\n\r\n')
  assert.match(response, /^HTTP\/1\.1 200 OK\r\n/)
  assert.match(response, /\r\nSet-Cookie: a=1\r\n/)
  assert.match(response, /\r\nSet-Cookie: b=2\r\n/)
  assert.match(response, /\r\nX-Mixed-Case: v\r\n/)
  assert.match(response, /\r\nx-request-id: [0-9a-f-]{36}\r\n/)
  assert.match(response, /\r\n\r\nok$/)
})

test('a chunked upstream answer reaches the client whole, re-framed by the LB', async (t) => {
  const backend = await startBackend(t, 'web-1', {
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('first,')
      setTimeout(() => res.end('second'), 10)
    }
  })
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const reply = await request(`${url}/`)
  assert.equal(reply.status, 200)
  assert.equal(reply.body, 'first,second')
  assert.equal(reply.headers['transfer-encoding'], 'chunked')
})
