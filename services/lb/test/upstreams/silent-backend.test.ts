import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import { startBackend } from '../helpers/fake-backend.js'
import { requestJson } from '../helpers/http-client.js'
import { startLb } from '../helpers/lb-harness.js'
import { startSilentListener } from '../helpers/silent-listener.js'

interface LogLine {
  readonly msg: string
  readonly upstream?: string
  readonly code?: string
  readonly next?: string
  readonly retry?: string
}

test('a silent node (connects hang, like a SIGKILLed container) costs a POST one connect timeout, then another node answers', async (t) => {
  const silent = await startSilentListener(t)
  const alive = await startBackend(t, 'alive')
  const logs: LogLine[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => { logs.push(JSON.parse(line) as LogLine) } })
  // Default options: the connect timeout under test is the shipped one.
  const { url, lb } = await startLb(t, [{ name: 'silent', url: silent.url }, { name: 'alive', url: alive.url }], {}, { logger })
  assert.ok(lb.options.connectTimeoutMs <= 1_000, 'a silent node holds a request about a second at most')

  const body = JSON.stringify({ item: 'tea' })
  const reply = await requestJson(`${url}/api/cart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  assert.equal(reply.status, 200, reply.body)
  assert.equal(reply.json.node, 'alive')
  assert.equal(reply.json.body, body, 'the POST body was re-sent intact')

  const failure = logs.find((line) => line.msg === 'upstream attempt failed')
  assert.deepEqual(failure && { upstream: failure.upstream, code: failure.code, retry: failure.retry, next: failure.next },
    { upstream: 'silent', code: 'STK_CONNECT_TIMEOUT', retry: 'connect-failure', next: 'alive' })
  const stats = lb.balancer.snapshot().find((u) => u.name === 'silent')
  assert.equal(stats?.state, 'ejected', 'a node that cannot be reached leaves rotation')
  assert.equal(stats?.retries, 1)
  assert.equal(alive.seen.filter((r) => r.method === 'POST').length, 1, 'sent once to the live node')
})
