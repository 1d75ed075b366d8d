import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'
import { waitFor } from '@stickless/test-support'

test('a backend that sends headers and then dies is not retried; the client sees an error; the LB survives', async (t) => {
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

test('an upstream that breaks mid-body is counted as an error and an aborted request, and its latency is not sampled', async (t) => {
  const dying = await startBackend(t, 'dying', {
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' })
      res.write('part')
      setTimeout(() => res.socket?.destroy(), 20)
    }
  })
  const { url, lb } = await startLb(t, [{ name: 'dying', url: dying.url }])
  const ended = await new Promise<string>((resolve) => {
    const req = http.get(`${url}/`, { agent: false }, (res) => {
      res.resume()
      res.on('error', () => resolve('error'))
      res.on('end', () => resolve('end'))
    })
    req.on('error', () => resolve('error'))
  })
  assert.equal(ended, 'error', 'the client connection is cut, not ended cleanly')
  await waitFor('the request to be finished', () => lb.totals.inFlight === 0)
  const stats = lb.balancer.snapshot()[0]
  assert.equal(stats?.errors, 1)
  assert.equal(stats?.inFlight, 0)
  assert.equal(stats?.p50Ms, undefined, 'a broken answer is not a latency sample')
  const requests = await lb.metrics.registry.getSingleMetricAsString('lb_requests_total')
  assert.match(requests, /lb_requests_total\{upstream="dying",status="aborted"\} 1/)
  const durations = await lb.metrics.registry.getSingleMetricAsString('lb_upstream_response_duration_seconds')
  assert.doesNotMatch(durations, /_count\{upstream="dying"\} [1-9]/)
})
