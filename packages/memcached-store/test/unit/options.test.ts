import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULTS, requiredAcks, resolveOptions } from '../../src/options/options.js'

test('defaults: two replicas, sub-second timeouts, PHP retry interval, frozen', () => {
  const o = resolveOptions('tcp://a:1,tcp://b:2,tcp://c:3')
  assert.equal(o.replicas, 2)
  assert.equal(o.servers[0]?.timeoutMs, DEFAULTS.timeoutMs)
  assert.ok(DEFAULTS.timeoutMs < 1000)
  assert.equal(o.servers[0]?.connectTimeoutMs, DEFAULTS.timeoutMs)
  assert.equal(o.servers[0]?.retryIntervalMs, 15_000)
  assert.equal(o.writeConcern, 'available')
  assert.equal(o.touchAfterMs, DEFAULTS.idleTimeoutMs / 10)
  assert.ok(Object.isFrozen(o))
  assert.ok(Object.isFrozen(o.servers))
})

test('replicas never exceed the number of servers', () => {
  assert.equal(resolveOptions({ servers: ['a:1'], replicas: 2 }).replicas, 1)
})

test('per-server settings from the string override the store-wide defaults', () => {
  const o = resolveOptions({ servers: 'tcp://a:1?timeout=1&retry_interval=2,tcp://b:2', timeoutMs: 100, retryIntervalMs: 500 })
  assert.deepEqual([o.servers[0]?.timeoutMs, o.servers[0]?.retryIntervalMs], [1000, 2000])
  assert.deepEqual([o.servers[1]?.timeoutMs, o.servers[1]?.retryIntervalMs], [100, 500])
})

test('typed server specs are accepted', () => {
  const o = resolveOptions({ servers: [{ host: '127.0.0.1', port: 1, weight: 3 }, '127.0.0.1:2'] })
  assert.deepEqual(o.servers.map((s) => [s.id, s.weight]), [['127.0.0.1:1', 3], ['127.0.0.1:2', 1]])
})

const bad: Array<[string, object]> = [
  ['servers', { servers: [] }],
  ['servers', { servers: ['a:1', 'a:1'] }],
  ['replicas', { servers: 'a:1', replicas: 0 }],
  ['replicas', { servers: 'a:1', replicas: 1.5 }],
  ['writeConcern', { servers: 'a:1,b:2', writeConcern: 3 }],
  ['writeConcern', { servers: 'a:1,b:2', writeConcern: 'most' }],
  ['keyPrefix', { servers: 'a:1', keyPrefix: 'has space' }],
  ['idleTimeoutMs', { servers: 'a:1', idleTimeoutMs: -5 }],
  ['idleTimeoutMs', { servers: 'a:1', idleTimeoutMs: 31 * 24 * 3600 * 1000 }],
  ['absoluteTimeoutMs', { servers: 'a:1', idleTimeoutMs: 10_000, absoluteTimeoutMs: 5_000 }],
  ['readRepairChance', { servers: 'a:1', readRepairChance: 2 }],
  ['readHedgeFraction', { servers: 'a:1', readHedgeFraction: 1 }],
  ['readHedgeFraction', { servers: 'a:1', readHedgeFraction: -0.5 }],
  ['encryptionKeys', { servers: 'a:1', encryptionKeys: ['short'] }],
  ['timeoutMs', { servers: 'a:1', timeoutMs: '300' }],
  ['servers[0].weight', { servers: [{ host: 'a', port: 1, weight: -1 }] }],
  ['servers[0].host', { servers: [{ host: 'a b', port: 1 }] }],
  ['revisionField', { servers: 'a:1', revisionField: 'cookie' }],
  ['logger', { servers: 'a:1', logger: {} }],
  ['clock', { servers: 'a:1', clock: 5 }],
  ['colour', { servers: 'a:1', colour: 'blue' }]
]
for (const [name, input] of bad) {
  test(`a bad ${name} fails at start with STK_ERR_INVALID_OPTION naming it`, () => {
    assert.throws(() => resolveOptions(input as never), (err: Error & { code?: string }) =>
      err.code === 'STK_ERR_INVALID_OPTION' && err.message.includes(name))
  })
}

test('the clock is Date.now unless one is injected', () => {
  assert.equal(resolveOptions('a:1').clock, Date.now)
  const clock = (): number => 42
  assert.equal(resolveOptions({ servers: 'a:1', clock }).clock, clock)
})

test('a bad value is named with what it got, and a key is never echoed', () => {
  assert.throws(() => resolveOptions({ servers: 'a:1', timeoutMs: 0 }), /timeoutMs must be an integer from 1 to 60000, got 0/)
  assert.throws(() => resolveOptions({ servers: [{ host: 'a', port: 70_000 }] }), /servers\[0\]\.port must be an integer from 1 to 65535, got 70000/)
  assert.throws(() => resolveOptions({ servers: 'a:1', encryptionKeys: ['secret-but-short'] }), (err: Error) =>
    /encryptionKeys .*<16 chars>/.test(err.message) && !err.message.includes('secret-but-short'))
  assert.throws(() => resolveOptions({ servers: 'a:1', encryptionKeys: 'k'.repeat(40) as never }), (err: Error) =>
    /encryptionKeys must be a list/.test(err.message) && !err.message.includes('kkkk'))
})

test('frozen options are read, never written into (the schema fills defaults into a copy)', () => {
  const logger = Object.freeze({ info () {}, warn () {}, error () {} })
  const given = Object.freeze({ servers: Object.freeze(['a:1', Object.freeze({ host: 'b', port: 2 })]), encryptionKeys: Object.freeze(['k'.repeat(32)]), logger })
  const o = resolveOptions(given)
  assert.deepEqual(o.servers.map((s) => s.id), ['a:1', 'b:2'])
  assert.equal(o.logger, logger)
  assert.deepEqual(Object.keys(given), ['servers', 'encryptionKeys', 'logger'])
})

test('write concern arithmetic', () => {
  assert.equal(requiredAcks('available', 2), 1)
  assert.equal(requiredAcks('all', 2), 2)
  assert.equal(requiredAcks('majority', 3), 2)
  assert.equal(requiredAcks(2, 2), 2)
})
