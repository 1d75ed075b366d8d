import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { drainAndClose } from '../src/shutdown.js'
import { buildTestApp } from './helpers/test-app.js'
import { memcachedPerFile } from './helpers/real-store.js'

const memcached = memcachedPerFile()

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

test('SIGTERM path: 503 on /healthz at once, serve during the drain, finish in-flight requests, then close', async (t) => {
  const { app, store, lifecycle } = buildTestApp(t, memcached)
  // A request that is in flight until the app starts closing: only a close
  // that waits for it lets it finish.
  let started!: () => void
  const inHandler = new Promise<void>((resolve) => { started = resolve })
  let release!: () => void
  const closing = new Promise<void>((resolve) => { release = resolve })
  app.get('/slow', async () => { started(); await closing; return 'finished' })
  app.addHook('preClose', (done) => { release(); done() })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo

  assert.equal((await get(port, '/healthz')).status, 200)
  const inFlight = get(port, '/slow')
  await inHandler
  // the drain is a margin for the two requests below, not a verdict
  const shutdown = drainAndClose({ app, store, lifecycle, drainMs: 500, logger: app.log })

  const health = await get(port, '/healthz')
  assert.equal(health.status, 503, 'unhealthy at once')
  assert.equal(health.headers.connection, 'close')
  const login = await get(port, '/login')
  assert.equal(login.status, 200, 'still serving while the LB notices')

  assert.deepEqual(await inFlight.then((r) => [r.status, r.body]), [200, 'finished'])
  await shutdown
  await assert.rejects(store.getSession('after-close'), { code: 'STK_ERR_CLOSED' }, 'the store was closed')
  await assert.rejects(get(port, '/healthz'), /ECONNREFUSED/)
})

test('server timeouts are set: headers 10 s, keep-alive 72 s', async (t) => {
  const { app } = buildTestApp(t, memcached)
  await app.listen({ port: 0, host: '127.0.0.1' })
  assert.equal(app.server.headersTimeout, 10_000)
  assert.equal(app.server.requestTimeout, 15_000)
  assert.equal(app.server.keepAliveTimeout, 72_000)
})
