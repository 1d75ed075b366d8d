import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { createClientErrorHandler } from '../src/client-errors.js'
import { buildTestApp } from './helpers/test-app.js'
import { memcachedPerFile } from './helpers/real-store.js'

const memcached = memcachedPerFile()

function rawRequest (port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    let data = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { data += chunk })
    socket.on('close', () => resolve(data))
    socket.on('error', reject)
  })
}

test('broken HTTP gets a coded 400 with x-served-by, straight from the socket handler', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: { NODE_NAME: 'web-2' } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  for (const text of ['GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n']) {
    const answer = await rawRequest(port, text)
    assert.match(answer, /^HTTP\/1\.1 400 /)
    assert.match(answer, /x-served-by: web-2/)
    assert.match(answer, /"code":"STK_ERR_WEB_BAD_REQUEST"/)
  }
})

test('slow headers get 408, oversized headers 431', () => {
  const handle = createClientErrorHandler('web-1')
  const fakeApp = { log: { debug () {} } } as unknown as FastifyInstance
  for (const [code, status, errorCode] of [
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'STK_ERR_WEB_CLIENT_TIMEOUT'],
    ['HPE_HEADER_OVERFLOW', 431, 'STK_ERR_WEB_HEADERS_TOO_LARGE']
  ] as const) {
    let written = ''
    let destroyed = false
    const socket = { destroyed: false, writable: true, write (s: string) { written += s; return true }, destroy () { destroyed = true } } as unknown as Socket
    handle.call(fakeApp, Object.assign(new Error('x'), { code }), socket)
    assert.match(written, new RegExp(`^HTTP/1\\.1 ${status} `))
    assert.match(written, new RegExp(errorCode))
    assert.match(written, /x-served-by: web-1/)
    assert.equal(destroyed, true)
  }
})

test('an HTTP/1.1 request without Host gets the coded 400 with x-served-by, not Node\'s bare one', async (t) => {
  const { app } = buildTestApp(t, memcached, { env: { NODE_NAME: 'web-2' } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const answer = await rawRequest(port, 'GET /api/session HTTP/1.1\r\nConnection: close\r\n\r\n')
  assert.match(answer, /^HTTP\/1\.1 400 /)
  assert.match(answer, /x-served-by: web-2/)
  assert.match(answer, /"code":"STK_ERR_WEB_BAD_REQUEST"/)
  // HTTP/1.0 has no Host requirement
  const old = await rawRequest(port, 'GET /healthz HTTP/1.0\r\n\r\n')
  assert.match(old, /^HTTP\/1\.1 200 /)
})
