import assert from 'node:assert/strict'
import http from 'node:http'
import { test } from 'node:test'
import { startBackend } from '../helpers/fake-backend.js'
import { request, requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'
import { waitFor } from '@stickless/test-support'

test('a client that aborts while the backend works does not crash the LB', async (t) => {
  let upstreamClosed = false
  const slow = await startBackend(t, 'slow', {
    handler: (req, res) => {
      if (req.url !== '/slow') {
        res.end('fast')
        return
      }
      const timer = setTimeout(() => res.end('late'), 2_000)
      res.on('close', () => {
        clearTimeout(timer)
        upstreamClosed = !res.writableFinished
      })
    }
  })
  const { url, lb } = await startLb(t, [{ name: 'slow', url: slow.url }])

  const req = http.get(`${url}/slow`, { agent: false })
  const gone = new Promise<void>((resolve) => req.on('error', () => resolve()))
  await waitFor('the request to reach the backend', () => slow.seen.length === 1)
  req.destroy()
  await gone
  await waitFor('the upstream request to be abandoned too', () => upstreamClosed)
  const after = await request(`${url}/fast`)
  assert.equal(after.status, 200)
  assert.equal(after.body, 'fast')
  assert.equal(lb.totals.inFlight, 0)
  const stats = lb.balancer.snapshot()[0]
  assert.equal(stats?.inFlight, 0)
  assert.equal(stats?.errors, 0, 'a client leaving is not the upstream failing')
})

test('a client that aborts mid-upload does not crash the LB', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { url, lb } = await startLb(t, [{ name: 'web-1', url: backend.url }], { bodyBufferLimitBytes: 1024 })
  for (const size of [100, 5_000]) {
    await new Promise<void>((resolve) => {
      const req = http.request(`${url}/upload`, { method: 'POST', agent: false, headers: { 'content-length': String(size * 4) } })
      req.on('error', () => resolve())
      req.write('x'.repeat(size))
      setTimeout(() => { req.destroy(); resolve() }, 50)
    })
  }
  // the aborted uploads are over once the LB has finished both: no time decides it
  await waitFor('the aborted uploads to be finished', () => lb.totals.inFlight === 0)
  assert.equal((await requestJson(`${url}/ok`)).status, 200)
  assert.equal(lb.totals.inFlight, 0)
})

test('a client that leaves in the middle of a streamed response does not crash the LB', async (t) => {
  const streaming = await startBackend(t, 'streaming', {
    handler: (req, res) => {
      if (req.url !== '/stream') { res.end('ok'); return }
      res.writeHead(200, { 'content-type': 'text/plain' })
      const timer = setInterval(() => res.write('tick\n'), 10)
      res.on('close', () => clearInterval(timer))
    }
  })
  const { url, lb } = await startLb(t, [{ name: 'streaming', url: streaming.url }])
  await new Promise<void>((resolve) => {
    const req = http.get(`${url}/stream`, { agent: false }, (res) => {
      res.once('data', () => { req.destroy(); resolve() })
    })
    req.on('error', () => resolve())
  })
  await waitFor('the abandoned stream to be finished', () => lb.totals.inFlight === 0)
  assert.equal((await request(`${url}/ok`)).status, 200)
})

test('a client that leaves mid-body releases the upstream connection and is not counted as an upstream error', async (t) => {
  let upstreamResponseClosed = false
  const streaming = await startBackend(t, 'streaming', {
    handler: (req, res) => {
      if (req.url !== '/stream') { res.end('ok'); return }
      res.writeHead(200, { 'content-type': 'text/plain' })
      const timer = setInterval(() => res.write('tick\n'), 10)
      res.on('close', () => {
        clearInterval(timer)
        upstreamResponseClosed = !res.writableFinished
      })
    }
  })
  const { url, lb } = await startLb(t, [{ name: 'streaming', url: streaming.url }])
  await new Promise<void>((resolve) => {
    const req = http.get(`${url}/stream`, { agent: false }, (res) => {
      res.once('data', () => { req.destroy(); resolve() })
    })
    req.on('error', () => resolve())
  })
  await waitFor('the upstream connection to be closed by the LB', () => upstreamResponseClosed)
  await waitFor('the request to be finished', () => lb.totals.inFlight === 0)
  const stats = lb.balancer.snapshot()[0]
  assert.equal(stats?.inFlight, 0)
  assert.equal(stats?.errors, 0, 'a client leaving is not the upstream failing')
  const metrics = await lb.metrics.registry.getSingleMetricAsString('lb_requests_total')
  assert.match(metrics, /lb_requests_total\{upstream="streaming",status="aborted"\} 1/)
})
