import { test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { loggerOptions } from '../src/logger-options.js'
import { buildTestApp, cookieHeader, sessionIdOf, signIn, testConfig } from './helpers/test-app.js'
import { memcachedPerFile } from './helpers/real-store.js'

const memcached = memcachedPerFile()

function capture (t: TestContext, env: NodeJS.ProcessEnv): { lines: string[], app: ReturnType<typeof buildTestApp>['app'] } {
  const lines: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done() } })
  const config = testConfig({ LOG_LEVEL: 'info', ...env })
  const { app } = buildTestApp(t, memcached, { config, logger: { ...loggerOptions(config), stream } })
  return { lines, app }
}

test('ACCESS_LOG=on: one line per request with the LB\'s request id and a hash of the session id, never the id or the cookie', async (t) => {
  const { lines, app } = capture(t, { ACCESS_LOG: 'on' })
  const sid = await signIn(app)
  await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }), 'x-request-id': 'req-from-lb-42' } })
  await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }), 'x-request-id': 'req-from-lb-43' } })
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  for (const reqId of ['req-from-lb-42', 'req-from-lb-43']) {
    const mine = parsed.filter((l) => l.reqId === reqId)
    assert.equal(mine.length, 1, `one line for ${reqId}: ${JSON.stringify(mine)}`)
    const line = mine[0] as { msg?: string, session?: unknown, req?: { method?: string, url?: string, host?: string, remoteAddress?: string }, res?: { statusCode?: number }, responseTimeMs?: unknown }
    assert.equal(line.msg, 'request completed')
    assert.equal(typeof line.session, 'string', 'a session hash')
    assert.equal((line.session as string).length, 16)
    assert.equal(line.req?.method, 'GET')
    assert.equal(line.req?.host, 'localhost:80')
    assert.equal(line.req?.remoteAddress, '127.0.0.1')
    assert.equal(line.res?.statusCode, 200)
    assert.equal(typeof line.responseTimeMs, 'number')
  }
  const hashes = new Set(parsed.filter((l) => typeof l.session === 'string').map((l) => l.session))
  assert.equal(hashes.size, 1, 'the read-only route and @fastify/session routes log the same hash for one session')
  const all = lines.join('\n')
  assert.ok(!all.includes(sessionIdOf(sid)), 'the session id never appears')
  assert.ok(all.includes('"login succeeded"'))
  for (const line of lines) assert.equal(line.includes('wonderland'), false, 'no password in logs')
})

test('by default (ACCESS_LOG off) a node logs events, not requests', async (t) => {
  const { lines, app } = capture(t, {})
  const sid = await signIn(app)
  await app.inject({ url: '/api/session', headers: { cookie: cookieHeader({ sid }), 'x-request-id': 'req-quiet' } })
  assert.ok(lines.some((l) => l.includes('"login succeeded"')), 'the login is logged')
  assert.equal(lines.filter((l) => l.includes('req-quiet')).length, 0, 'no line for a plain read')
  assert.equal(lines.filter((l) => l.includes('request completed') || l.includes('incoming request')).length, 0)
})
