import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { loggerOptions } from '../src/logger-options.js'
import { buildTestApp, cookieHeader, sessionIdOf, signIn, testConfig } from './helpers.js'

test('log lines carry the LB\'s request id and a hash of the session id, never the id or the cookie', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done() } })
  const config = testConfig({ LOG_LEVEL: 'info' })
  const { app } = buildTestApp({ config, logger: { ...loggerOptions(config), stream } })
  t.after(() => app.close())
  const sid = await signIn(app)
  await app.inject({ url: '/', headers: { cookie: cookieHeader({ sid }), 'x-request-id': 'req-from-lb-42' } })
  const mine = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.reqId === 'req-from-lb-42')
  assert.ok(mine.length >= 2, 'request and response lines')
  assert.ok(mine.some((l) => typeof l.session === 'string' && (l.session as string).length === 16), 'a session hash')
  const all = lines.join('\n')
  assert.ok(!all.includes(sessionIdOf(sid)), 'the session id never appears')
  assert.ok(all.includes('"login succeeded"'))
  for (const line of lines) assert.equal(line.includes('wonderland'), false, 'no password in logs')
})
