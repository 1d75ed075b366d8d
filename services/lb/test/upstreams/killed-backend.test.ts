import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'

test('a killed backend fails no request: connection refused is retried elsewhere, POST with body too', async (t) => {
  const backends = await Promise.all(['web-1', 'web-2', 'web-3'].map((name) => startBackend(t, name)))
  const { url, lb } = await startLb(t, backends.map((b) => ({ name: b.name, url: b.url })))

  // Warm the keep-alive pool to every backend first, so the kill also breaks pooled sockets.
  for (let i = 0; i < 3; i++) assert.equal((await requestJson(`${url}/warm`)).status, 200)
  await backends[1]?.kill()

  for (let i = 0; i < 12; i++) {
    const get = await requestJson(`${url}/get?i=${i}`)
    assert.equal(get.status, 200, `GET ${i}: ${get.body}`)
    assert.notEqual(get.json.node, 'web-2')
    const body = JSON.stringify({ item: `thing-${i}`, padding: 'x'.repeat(2_000) })
    const post = await requestJson(`${url}/api/cart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    assert.equal(post.status, 200, `POST ${i}: ${post.body}`)
    assert.equal(post.json.body, body, 'the buffered body is re-sent intact')
    assert.equal(post.json.headers['content-length'], String(Buffer.byteLength(body)))
  }
  assert.equal(lb.balancer.state(backends[1]?.url ?? ''), 'ejected')
  const web2 = lb.balancer.snapshot().find((u) => u.name === 'web-2')
  assert.equal(web2?.ejections, 1)
  assert.ok((web2?.retries ?? 0) >= 1)
})

test('a chunked POST body is buffered and re-sent with a Content-Length', async (t) => {
  const dead = await startBackend(t, 'dead')
  const alive = await startBackend(t, 'alive')
  await dead.kill()
  const { url } = await startLb(t, [{ name: 'dead', url: dead.url }, { name: 'alive', url: alive.url }])
  const { request } = await import('node:http')
  const reply = await new Promise<{ status: number, body: string }>((resolve, reject) => {
    const req = request(`${url}/upload`, { method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.write('part one, ')
    setTimeout(() => req.end('part two'), 20)
  })
  assert.equal(reply.status, 200)
  const echoed = JSON.parse(reply.body) as { node: string, body: string, headers: Record<string, string> }
  assert.equal(echoed.node, 'alive')
  assert.equal(echoed.body, 'part one, part two')
  assert.equal(echoed.headers['transfer-encoding'], undefined)
  assert.equal(echoed.headers['content-length'], '18')
})
