import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { pino } from 'pino'
import { startBackend } from '../helpers/fake-backend.js'
import { request } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'
import { waitFor } from '@stickless/test-support'

interface LogLine { level: number, msg: string, reqId?: string, method?: string, url?: string, status?: string, upstream?: string, attempts?: number, durationMs?: number }

function memoryLogger (): { logger: pino.Logger, lines: LogLine[] } {
  const lines: LogLine[] = []
  const sink = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as LogLine)
      callback()
    }
  })
  return { logger: pino({ level: 'info' }, sink), lines }
}

test('with accessLog on, each request is one info line with its reqId, status, upstream and attempts', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { logger, lines } = memoryLogger()
  const { url } = await startLb(t, [{ name: 'web-1', url: backend.url }], { accessLog: true }, { logger })
  const reply = await request(`${url}/page?x=1`, { headers: { 'x-request-id': 'access-log-1' } })
  assert.equal(reply.status, 200)
  await waitFor('the access line', () => lines.some((line) => line.msg === 'request'))
  const line = lines.find((l) => l.msg === 'request')
  assert.deepEqual({ ...line, durationMs: typeof line?.durationMs }, {
    level: 30,
    time: (line as { time?: number }).time,
    pid: (line as { pid?: number }).pid,
    hostname: (line as { hostname?: string }).hostname,
    msg: 'request',
    reqId: 'access-log-1',
    method: 'GET',
    url: '/page?x=1',
    status: '200',
    upstream: 'web-1',
    attempts: 1,
    durationMs: 'number'
  })
})

test('by default there is no per-request line, but a failed attempt is still logged with its reqId', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const { logger, lines } = memoryLogger()
  const { url } = await startLb(t, [{ name: 'dead', url: 'http://127.0.0.1:1' }, { name: 'web-1', url: backend.url }], {}, { logger })
  for (let i = 0; i < 2; i++) {
    const reply = await request(`${url}/`, { headers: { 'x-request-id': `quiet-${i}` } })
    assert.equal(reply.status, 200)
  }
  assert.equal(lines.filter((line) => line.msg === 'request').length, 0)
  const failed = lines.find((line) => line.msg === 'upstream attempt failed')
  assert.ok(failed, JSON.stringify(lines))
  assert.match(failed.reqId ?? '', /^quiet-/)
})
