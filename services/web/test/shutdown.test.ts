import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { drainAndClose } from '../src/shutdown.js'
import { buildTestApp } from './helpers.js'

function get (port: number, path: string): Promise<{ status: number, body: string, headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    }).on('error', reject)
  })
}

test('SIGTERM path: 503 on /healthz at once, serve during the drain, finish in-flight requests, then close', async () => {
  const { app, store, lifecycle } = buildTestApp()
  app.get('/slow', async () => { await sleep(400); return 'finished' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  let storeClosed = false
  const closeStore = store.close.bind(store)
  store.close = async () => { storeClosed = true; await closeStore() }

  assert.equal((await get(port, '/healthz')).status, 200)
  const inFlight = get(port, '/slow')
  await sleep(50)
  const shutdown = drainAndClose({ app, store, lifecycle, drainMs: 200, logger: app.log })

  const health = await get(port, '/healthz')
  assert.equal(health.status, 503, 'unhealthy at once')
  assert.equal(health.headers.connection, 'close')
  const login = await get(port, '/login')
  assert.equal(login.status, 200, 'still serving while the LB notices')

  assert.deepEqual(await inFlight.then((r) => [r.status, r.body]), [200, 'finished'])
  await shutdown
  assert.equal(storeClosed, true)
  await assert.rejects(get(port, '/healthz'), /ECONNREFUSED/)
})

test('server timeouts are set: headers 10 s, keep-alive 72 s', async (t) => {
  const { app } = buildTestApp()
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  assert.equal(app.server.headersTimeout, 10_000)
  assert.equal(app.server.requestTimeout, 15_000)
  assert.equal(app.server.keepAliveTimeout, 72_000)
})
