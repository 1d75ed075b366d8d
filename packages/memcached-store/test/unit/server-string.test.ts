import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseServerString } from '../../src/options/server-string.js'

test('parses the seed string with every PHP option, seconds into ms', () => {
  const specs = parseServerString('tcp://127.0.0.1:11211?weight=1&timeout=1&retry_interval=15,tcp://127.0.0.1:11212')
  assert.deepEqual(specs, [
    { host: '127.0.0.1', port: 11211, weight: 1, timeoutMs: 1000, connectTimeoutMs: 1000, retryIntervalMs: 15000 },
    { host: '127.0.0.1', port: 11212 }
  ])
})

test('accepts fractions of seconds, persistent, a bare host:port, IPv6 and the default port', () => {
  const [a, b, c, d] = parseServerString('tcp://h1:1?timeout=0.25&persistent=1&weight=2.5, h2:2 ,tcp://[::1]:3,tcp://h4')
  assert.deepEqual(a, { host: 'h1', port: 1, timeoutMs: 250, connectTimeoutMs: 250, persistent: true, weight: 2.5 })
  assert.deepEqual(b, { host: 'h2', port: 2 })
  assert.deepEqual(c, { host: '::1', port: 3 })
  assert.deepEqual(d, { host: 'h4', port: 11211 })
})

for (const bad of [
  '',
  'tcp://h:1?weight=0',
  'tcp://h:1?weight=abc',
  'tcp://h:1?timeout=-1',
  'tcp://h:1?timeout=1s',
  'tcp://h:1?retry_interval=x',
  'tcp://h:1?persistent=yes',
  'tcp://h:1?colour=blue',
  'udp://h:1',
  'tcp://h:1/path',
  'tcp://user@h:1', // a username needs its password
  'tcp://user:pass word@h:1',
  'tcp://h:1?tls=yes',
  'tcp://h:1,,tcp://h:2',
  'tcp://h:99999'
]) {
  test(`rejects ${JSON.stringify(bad)} with a coded error`, () => {
    assert.throws(() => parseServerString(bad), (err: Error & { code?: string }) => err.code === 'STK_ERR_INVALID_SERVER_STRING' && err.message.length > 20)
  })
}

test('TLS and credentials in the string: tls://, user:password@, and the tls_* and username/password parameters', () => {
  const [a, b, c] = parseServerString('tls://alice:s%40cret@h1:11211?timeout=1,tcp://h2?tls=1&tls_servername=mc.internal&tls_verify=0&username=bob&password=pw,tcp://h3?tls=0')
  assert.deepEqual(a, { host: 'h1', port: 11211, timeoutMs: 1000, connectTimeoutMs: 1000, tls: {}, username: 'alice', password: 's@cret' })
  assert.deepEqual(b, { host: 'h2', port: 11211, tls: { servername: 'mc.internal', rejectUnauthorized: false }, username: 'bob', password: 'pw' })
  assert.deepEqual(c, { host: 'h3', port: 11211, tls: false })
})

test('a rejected entry never shows its password', () => {
  assert.throws(() => parseServerString('tcp://alice:topsecret@h:1?colour=blue'), (err: Error) => !err.message.includes('topsecret'))
  assert.throws(() => parseServerString('tcp://h:1?username=alice&password=topsecret&colour=blue'), (err: Error) => !err.message.includes('topsecret'))
})
