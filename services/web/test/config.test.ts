import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveOptions } from '@stickless/memcached-store'
import { loadConfig, devSessionSecret } from '../src/config.js'

test('defaults', () => {
  const config = loadConfig({})
  assert.equal(config.port, 3000)
  assert.equal(config.host, '127.0.0.1')
  assert.equal(config.idleTimeoutMs, 1_800_000)
  assert.equal(config.absoluteTimeoutMs, 43_200_000)
  assert.deepEqual(config.trustedProxies, ['127.0.0.1', '::1'])
  assert.deepEqual(config.sessionSecrets, [devSessionSecret])
  assert.equal(config.usingDevSecret, true)
  assert.equal(config.shutdownDrainMs, 3000)
  assert.equal(config.liveCheckIntervalMs, 1000)
  assert.equal(config.liveMessagesPerSecond, 10)
  assert.equal(config.liveMessageBurst, 20)
  assert.equal(config.lbStatusUrl, undefined)
  assert.equal(config.previousSessionServers, undefined)
  assert.ok(Object.isFrozen(config))
})

test('reads every variable', () => {
  const a = 'a'.repeat(32)
  const b = 'b'.repeat(40)
  const config = loadConfig({
    PORT: '3002',
    HOST: '0.0.0.0',
    NODE_NAME: 'web-2',
    SESSION_SERVERS: 'tcp://10.0.0.1:11211',
    SESSION_SERVERS_PREVIOUS: 'tcp://10.0.0.9:11211',
    SESSION_SECRETS: `${a}, ${b}`,
    SESSION_ENCRYPTION_KEYS: 'k'.repeat(32),
    SESSION_IDLE_TIMEOUT_S: '60',
    SESSION_ABSOLUTE_TIMEOUT_S: '600',
    TRUSTED_PROXIES: '10.0.0.5',
    LB_STATUS_URL: 'http://127.0.0.1:8081/status.json',
    LOG_LEVEL: 'debug',
    ACCESS_LOG: 'ON',
    SHUTDOWN_DRAIN_MS: '500',
    LIVE_CHECK_INTERVAL_MS: '250',
    LIVE_MESSAGES_PER_SECOND: '2',
    LIVE_MESSAGE_BURST: '4'
  })
  assert.equal(config.accessLog, true)
  assert.equal(config.port, 3002)
  assert.equal(config.nodeName, 'web-2')
  assert.deepEqual(config.sessionSecrets, [a, b])
  assert.equal(config.usingDevSecret, false)
  assert.equal(config.idleTimeoutMs, 60_000)
  assert.deepEqual(config.trustedProxies, ['10.0.0.5'])
  assert.equal(config.shutdownDrainMs, 500)
  assert.deepEqual([config.liveCheckIntervalMs, config.liveMessagesPerSecond, config.liveMessageBurst], [250, 2, 4])
  assert.equal(config.previousSessionServers, 'tcp://10.0.0.9:11211')
})

test('bad values fail with STK_ERR_WEB_INVALID_OPTION naming the option, never echoing a secret', () => {
  const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ PORT: 'http' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ SESSION_SECRETS: 'short-secret-value' }, /SESSION_SECRETS.*18 characters/],
    [{ SESSION_ENCRYPTION_KEYS: `${'k'.repeat(32)},short-secret-value` }, /SESSION_ENCRYPTION_KEYS: got entry 2 with 18 characters, expected at least 32/],
    [{ NODE_NAME: 'web 1\r\n' }, /NODE_NAME/],
    [{ SESSION_IDLE_TIMEOUT_S: '600', SESSION_ABSOLUTE_TIMEOUT_S: '60' }, /SESSION_ABSOLUTE_TIMEOUT_S/],
    [{ LB_STATUS_URL: 'file:///etc/passwd' }, /LB_STATUS_URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ ACCESS_LOG: 'yes please' }, /ACCESS_LOG/],
    [{ LIVE_CHECK_INTERVAL_MS: '0' }, /LIVE_CHECK_INTERVAL_MS: got "0"/],
    [{ LIVE_MESSAGES_PER_SECOND: '1.5' }, /LIVE_MESSAGES_PER_SECOND/],
    [{ LIVE_MESSAGE_BURST: 'lots' }, /LIVE_MESSAGE_BURST/]
  ]
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'STK_ERR_WEB_INVALID_OPTION')
      assert.match(err.message, message)
      assert.doesNotMatch(err.message, /short-secret-value/)
      return true
    })
  }
})

test('SESSION_ENCRYPTION_KEYS admits exactly the keys the store admits', () => {
  for (const length of [31, 32]) {
    const key = 'k'.repeat(length)
    const store = (): unknown => resolveOptions({ servers: 'tcp://127.0.0.1:11211', encryptionKeys: [key] })
    if (length < 32) {
      assert.throws(store)
      assert.throws(() => loadConfig({ SESSION_ENCRYPTION_KEYS: key }), { code: 'STK_ERR_WEB_INVALID_OPTION' })
    } else {
      assert.doesNotThrow(store)
      assert.deepEqual(loadConfig({ SESSION_ENCRYPTION_KEYS: key }).encryptionKeys, [key])
    }
  }
})
