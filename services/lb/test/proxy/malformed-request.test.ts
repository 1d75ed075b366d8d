import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { startLb } from '../helpers/lb-harness.js'

function raw (url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text))
    let data = ''
    socket.setEncoding('utf8')
    socket.setTimeout(5000, () => { socket.destroy(); reject(new Error('no answer')) })
    socket.on('data', (chunk: string) => { data += chunk })
    socket.on('close', () => resolve(data))
    socket.on('error', reject)
  })
}

test('a request Node cannot parse gets a coded JSON 400, and the LB keeps serving', async (t) => {
  const backend = await startBackend(t, 'ok')
  const { url } = await startLb(t, [{ name: 'b', url: backend.url }])
  for (const text of [
    'GET /api/session HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
    'POST /api/cart HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc'
  ]) {
    const answer = await raw(url, text)
    assert.match(answer, /^HTTP\/1\.1 400 /)
    assert.match(answer, /content-type: application\/json/i)
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>
    assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'])
    assert.equal(body.code, 'STK_ERR_LB_MALFORMED_REQUEST')
    assert.equal(body.statusCode, 400)
  }
  const after = await raw(url, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  assert.match(after, /^HTTP\/1\.1 200 /)
})

test('a Host-less HTTP/1.1 request gets the coded 400 and is not forwarded', async (t) => {
  const backend = await startBackend(t, 'from-node')
  const { url } = await startLb(t, [{ name: 'b', url: backend.url }])
  const answer = await raw(url, 'GET /api/session HTTP/1.1\r\nConnection: close\r\n\r\n')
  assert.match(answer, /^HTTP\/1\.1 400 /)
  assert.match(answer, /"code":"STK_ERR_LB_MALFORMED_REQUEST"/)
  assert.doesNotMatch(answer, /from-node/)
  // HTTP/1.0 needs no Host
  assert.match(await raw(url, 'GET / HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 200 /)
})
