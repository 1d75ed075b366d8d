import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pollUntil } from '@stickless/test-support'
import { NodesStatus, parseLbStatus } from '../src/nodes-status.js'

test('parseLbStatus reads the usual shapes', () => {
  assert.deepEqual(parseLbStatus({ backends: [{ name: 'web-1', healthy: true }, { name: 'web-2', healthy: false }] }),
    [{ name: 'web-1', state: 'up' }, { name: 'web-2', state: 'down' }])
  assert.deepEqual(parseLbStatus([{ id: 'web-3', state: 'draining' }]), [{ name: 'web-3', state: 'draining' }])
  assert.deepEqual(parseLbStatus({ upstreams: { 'web-1': { status: 'UP' } } }), [{ name: 'web-1', state: 'up' }])
  assert.deepEqual(parseLbStatus({ nodes: [{ host: '127.0.0.1', port: 3001 }] }), [{ name: '127.0.0.1:3001', state: 'unknown' }])
  assert.deepEqual(parseLbStatus('nonsense'), [])
  assert.deepEqual(parseLbStatus(null), [])
})

test('NodesStatus reads the LB over HTTP, caches, and reports an unreachable LB', async (t) => {
  let requests = 0
  const server = http.createServer((_req, res) => {
    requests++
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ backends: [{ name: 'web-1', healthy: true }] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const { port } = server.address() as AddressInfo
  const status = new NodesStatus({ url: `http://127.0.0.1:${port}/status.json`, cacheMs: 60_000 })
  assert.deepEqual(await status.snapshot(), { reachable: true, nodes: [{ name: 'web-1', state: 'up' }] })
  await Promise.all([status.snapshot(), status.snapshot()])
  assert.equal(requests, 1)

  const closed = new NodesStatus({ url: 'http://127.0.0.1:1/status.json' })
  const snapshot = await closed.snapshot()
  assert.equal(snapshot.reachable, false)
  assert.equal((await new NodesStatus({ url: undefined }).snapshot()).reachable, false)
})

test('a slow LB does not hold the dashboard longer than the timeout', async (t) => {
  let abandoned = false
  const server = http.createServer((req) => { req.socket.once('close', () => { abandoned = true }) /* never answers */ })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  const { port } = server.address() as AddressInfo
  const snapshot = await new NodesStatus({ url: `http://127.0.0.1:${port}/`, timeoutMs: 100 }).snapshot()
  // the read's own timeout ended it (not the LB, which never answers), and the node let the LB go
  assert.equal(snapshot.reachable, false)
  assert.equal(snapshot.error, 'timed out')
  await pollUntil(() => abandoned, { what: 'the node to close its connection to the LB', timeoutMs: 5000 })
})
