import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import pino from 'pino'
import Fastify from 'fastify'
import { lazyRequestLogger } from '../src/lazy-request-logger.js'

test('a request\'s logger is built on its first line, with the request id bound as Fastify binds it', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)); done() } })
  const logger = pino({ level: 'info' }, stream)
  let children = 0
  const child = logger.child.bind(logger)
  logger.child = ((...args: Parameters<typeof child>) => { children++; return child(...args) }) as typeof logger.child
  const app = Fastify({ loggerInstance: logger, childLoggerFactory: lazyRequestLogger, disableRequestLogging: true, genReqId: () => 'req-1' })
  t.after(async () => { await app.close() })
  app.get('/quiet', async () => ({ ok: true }))
  app.get('/loud', async (request) => {
    assert.equal(request.log.level, 'info')
    request.log.info({ extra: 1 }, 'hello')
    request.log.debug('not at info')
    return { ok: true }
  })
  await app.ready()
  const before = children
  await app.inject('/quiet')
  assert.equal(children, before, 'no child for a request that logs nothing')
  await app.inject('/loud')
  assert.equal(children, before + 1)
  const line = lines.find((l) => l.msg === 'hello')
  assert.equal(line?.reqId, 'req-1')
  assert.equal(line?.extra, 1)
  assert.equal(lines.filter((l) => l.msg === 'not at info').length, 0)
})
