import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { startBackend } from '../test-support/fake-backend.js'
import { requestJson } from '../test-support/http-client.js'
import { startLb } from '../test-support/lb-harness.js'

void test('a backend that sends headers and then dies is not retried; the client sees an error; the LB survives', async (t) => {
  const dying = await startBackend(t, 'dying', {
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000', 'x-served-by': 'dying' })
      res.write('the first part of a long answer')
      setTimeout(() => res.socket?.destroy(), 30)
    }
  })
  const good = await startBackend(t, 'good')
  const { url, lb } = await startLb(t, [{ name: 'dying', url: dying.url }, { name: 'good', url: good.url }])

  const outcome = await new Promise<{ status: number, received: string, error: string | undefined, complete: boolean }>((resolve) => {
    const req = http.get(`${url}/download`, { agent: false }, (res) => {
      let received = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { received += chunk })
      const finish = (error?: Error): void => resolve({ status: res.statusCode ?? 0, received, error: error?.message, complete: res.complete })
      res.on('error', finish)
      res.on('close', () => finish())
    })
    req.on('error', (error) => resolve({ status: 0, received: '', error: error.message, complete: false }))
  })
  assert.equal(outcome.status, 200, 'the status line had already been sent')
  assert.equal(outcome.received, 'the first part of a long answer')
  assert.equal(outcome.complete, false, 'the client can tell the answer is cut short')
  assert.equal(good.seen.length, 0, 'never retried once a byte reached the client')

  const next = await requestJson(`${url}/after`)
  assert.equal(next.status, 200)
  const dyingStats = lb.balancer.snapshot().find((u) => u.name === 'dying')
  assert.equal(dyingStats?.errors, 1)
  assert.equal(dyingStats?.inFlight, 0)
})
