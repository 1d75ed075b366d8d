import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { rawExchange, request } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

test('HEAD, 204 and 304 answers pass through without a body', async (t) => {
  const backend = await startBackend(t, 'web-1', {
    handler: (req, res) => {
      if (req.url === '/empty') { res.writeHead(204).end(); return }
      if (req.headers['if-none-match'] === '"v1"') { res.writeHead(304, { etag: '"v1"' }).end(); return }
      res.writeHead(200, { etag: '"v1"', 'content-type': 'text/plain', 'content-length': '5' })
      res.end(req.method === 'HEAD' ? undefined : 'hello')
    }
  })
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const head = await request(`${url}/page`, { method: 'HEAD' })
  assert.equal(head.status, 200)
  assert.equal(head.headers['content-length'], '5')
  assert.equal(head.body, '')
  assert.equal((await request(`${url}/empty`)).status, 204)
  const cached = await request(`${url}/page`, { headers: { 'if-none-match': '"v1"' } })
  assert.equal(cached.status, 304)
  assert.equal(cached.body, '')
})

test('Expect: 100-continue is answered by the LB and the body is forwarded', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const reply = await new Promise<{ status: number, body: string, continued: boolean }>((resolve, reject) => {
    let continued = false
    const req = http.request(`${url}/upload`, { method: 'POST', agent: false, headers: { expect: '100-continue', 'content-length': '4' } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, continued }))
    })
    req.on('continue', () => { continued = true; req.end('data') })
    req.on('error', reject)
  })
  assert.equal(reply.continued, true)
  assert.equal(reply.status, 200)
  const echoed = JSON.parse(reply.body) as { body: string, headers: Record<string, string> }
  assert.equal(echoed.body, 'data')
  assert.equal(echoed.headers.expect, undefined)
})

test('an HTTP/1.0 client gets a complete answer', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { addresses } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const { response, closedByServer } = await rawExchange(addresses.http.port, 'GET /old HTTP/1.0\r\nHost: x\r\n\r\n')
  assert.equal(closedByServer, true)
  assert.match(response, /^HTTP\/1\.1 200 OK\r\n/)
  assert.match(response, /"url":"\/old"/)
})

test('an Upgrade request is answered as a plain request (websockets are not proxied)', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }])
  const reply = await request(`${url}/socket`, { headers: { connection: 'Upgrade', upgrade: 'websocket' } }).catch((error: Error) => error)
  // Either answer is fine; what matters is that the LB neither hangs nor crashes.
  if (!(reply instanceof Error)) assert.ok(reply.status >= 200)
  assert.equal((await request(`${url}/after`)).status, 200)
})
