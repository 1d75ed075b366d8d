import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend, startRawBackend } from '../helpers/fake-backend.js'
import { request } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

test('garbage from a backend is answered 502, and the LB keeps serving', async (t) => {
  const garbage = await startRawBackend(t, 'this is not HTTP at all\r\n\r\n')
  const { url } = await startLb(t, [{ name: 'garbage', url: garbage.url }])

  const reply = await request(`${url}/page`, { headers: { accept: 'text/html' } })
  assert.equal(reply.status, 502)
  assert.match(reply.headers['content-type'] ?? '', /text\/html/)
  assert.match(reply.body, /<h1[^>]*>502 Bad Gateway<\/h1>\s*<p>The backend garbage failed to answer/)
  assert.match(reply.body, /STK_ERR_LB_BAD_GATEWAY/)
  assert.equal(garbage.connections(), 1, 'a parse error is not retried')

  const again = await request(`${url}/page`)
  assert.equal(again.status, 502)
})

test('a header Node refuses to forward never crashes the LB', async (t) => {
  // A control character in a header value: Node's client parser rejects it.
  const garbage = await startRawBackend(t, 'HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\nok')
  const good = await startBackend(t, 'good')
  const { url } = await startLb(t, [{ name: 'garbage', url: garbage.url }, { name: 'good', url: good.url }])
  const first = await request(`${url}/`)
  assert.equal(first.status, 502)
  const second = await request(`${url}/`)
  assert.equal(second.status, 200)
})

test('a response with a 1xx-free odd status still passes through', async (t) => {
  const odd = await startRawBackend(t, 'HTTP/1.1 299 Whatever\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')
  const { url } = await startLb(t, [{ name: 'odd', url: odd.url }])
  const reply = await request(`${url}/`)
  assert.equal(reply.status, 299)
  assert.equal(reply.body, 'ok')
})
