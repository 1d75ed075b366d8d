import assert from 'node:assert/strict'
import { test } from 'node:test'
import { lbDefaults, resolveLbOptions } from '../../src/index.js'

const backends = [{ name: 'web-1', url: 'http://127.0.0.1:3001' }]

test('defaults are applied once and the result is frozen', () => {
  const options = resolveLbOptions({ backends })
  assert.equal(options.port, 8080)
  assert.equal(options.host, '127.0.0.1')
  assert.equal(options.adminPort, 8081)
  assert.equal(options.adminHost, '127.0.0.1')
  assert.equal(options.httpsHost, '127.0.0.1')
  assert.equal(options.httpsPort, 8443)
  assert.equal(options.tls, undefined)
  assert.equal(options.bodyBufferLimitBytes, 1024 * 1024)
  assert.equal(options.maxBodyBytes, 1024 * 1024, 'the web nodes\' body limit')
  assert.equal(options.bodyDiscardLimitBytes, 10 * 1024 * 1024)
  assert.equal(options.connectTimeoutMs, 500, 'a silent node costs a request half a second at most')
  assert.equal(options.maxAttempts, 3)
  assert.equal(options.accessLog, false, 'the per-request log line is opt-in')
  assert.equal(options.workers, 1, 'one process unless asked (the image asks for every core)')
  assert.equal(options.historyIntervalMs, 1000, 'the status page\'s history: one sample a second')
  assert.equal(options.proxyTimeoutMs, lbDefaults.proxyTimeoutMs)
  assert.ok(options.agentFreeSocketTimeoutMs < 72_000, 'below the web nodes keepAliveTimeout')
  assert.ok(Object.isFrozen(options))
  assert.ok(Object.isFrozen(options.backends))
  assert.ok(Object.isFrozen(lbDefaults))
})

test('a bad option fails at start with a coded error naming the option and the value', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ port: 70_000 }, /"port".*70000/],
    [{ proxyTimeoutMs: 0 }, /"proxyTimeoutMs".*0/],
    [{ maxAttempts: 1.5 }, /"maxAttempts".*1\.5/],
    [{ host: '' }, /"host"/],
    [{ healthPath: 'healthz' }, /"healthPath".*"healthz"/],
    [{ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 }, /"headersTimeoutMs".*requestTimeoutMs/],
    [{ bodyBufferLimitBytes: 10, maxBodyBytes: 5 }, /"bodyBufferLimitBytes"/],
    [{ bodyDiscardLimitBytes: -1 }, /"bodyDiscardLimitBytes".*-1/],
    [{ tls: { cert: 'x' } }, /"tls"/],
    [{ accessLog: 'yes' }, /"accessLog".*"yes"/],
    [{ workers: 0 }, /"workers".*0/],
    [{ workers: 2.5 }, /"workers".*2\.5/],
    [{ historyIntervalMs: -1 }, /"historyIntervalMs".*-1/],
    [{ historyIntervalMs: 5 }, /"historyIntervalMs".*at least 10.*5/],
    [{ historyIntervalMs: 2.5 }, /"historyIntervalMs".*2\.5/],
    [{ colour: 'blue' }, /"colour".*unknown/]
  ]
  for (const [given, message] of cases) {
    assert.throws(() => resolveLbOptions({ backends, ...given }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'STK_ERR_LB_INVALID_OPTION')
      assert.match(error.message, message)
      return true
    }, JSON.stringify(given))
  }
})

test('resolved options resolve again to the same, though frozen (the schema fills defaults into a copy)', () => {
  const once = resolveLbOptions({ backends: Object.freeze([Object.freeze({ url: 'http://127.0.0.1:3001' })]), tls: { cert: Buffer.from('c'), key: 'k' } })
  const twice = resolveLbOptions(once)
  assert.deepEqual(twice, once)
  assert.ok(Buffer.isBuffer(twice.tls?.cert))
})

test('historyIntervalMs takes 0 (no sampling on a timer) or an interval of at least 10 ms', () => {
  assert.equal(resolveLbOptions({ backends, historyIntervalMs: 0 }).historyIntervalMs, 0)
  assert.equal(resolveLbOptions({ backends, historyIntervalMs: 10 }).historyIntervalMs, 10)
})

test('backends are required and checked at start', () => {
  assert.throws(() => resolveLbOptions({ backends: [] }), { code: 'STK_ERR_LB_INVALID_OPTION' })
  for (const url of ['ftp://x:1', 'http://x:1/path', 'not a url', 'http://x:1?weight=0', 'http://x:1?colour=red', 'https://x:1']) {
    assert.throws(() => resolveLbOptions({ backends: [{ url }] }), { code: 'STK_ERR_LB_INVALID_BACKEND' }, url)
  }
})

test('the WebSocket options have their defaults and are checked with a coded error naming the option', () => {
  const resolved = resolveLbOptions({ backends: [{ url: 'http://127.0.0.1:3001' }] })
  assert.equal(resolved.maxUpgradedSockets, 20_000)
  assert.equal(resolved.upgradeIdleTimeoutMs, 120_000)
  assert.equal(resolved.upgradeCloseTimeoutMs, 1_000)
  for (const [option, value] of [['maxUpgradedSockets', -1], ['upgradeIdleTimeoutMs', 0], ['upgradeCloseTimeoutMs', 60_001], ['maxUpgradedSockets', 1.5]] as const) {
    assert.throws(() => resolveLbOptions({ backends: [{ url: 'http://127.0.0.1:3001' }], [option]: value }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'STK_ERR_LB_INVALID_OPTION')
      assert.match(error.message, new RegExp(option))
      return true
    })
  }
})
