import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Balancer, balancerDefaults, resolveBalancerOptions, resolveRetryPolicyOptions, retryPolicyDefaults } from '../src/index.js'

test('defaults are applied and the result is frozen', () => {
  const options = resolveBalancerOptions()
  assert.equal(options.healthyThreshold, balancerDefaults.healthyThreshold)
  assert.equal(options.unhealthyThreshold, 2)
  assert.equal(options.ejectionTimeMs, 10_000)
  assert.equal(options.latencySampleSize, 1024)
  assert.equal(options.startHealthy, true)
  assert.ok(Object.isFrozen(options))
  assert.ok(Object.isFrozen(new Balancer().options))
})

test('undefined means default', () => {
  assert.equal(resolveBalancerOptions({ ejectionTimeMs: undefined }).ejectionTimeMs, 10_000)
})

test('a bad option fails with a coded error naming the option and the value', () => {
  assert.throws(() => resolveBalancerOptions({ ejectionTimeMs: -1 }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'STK_ERR_BALANCER_INVALID_OPTION')
    assert.match(error.message, /ejectionTimeMs/)
    assert.match(error.message, /-1/)
    return true
  })
  assert.throws(() => resolveBalancerOptions({ healthyThreshold: 1.5 }), /healthyThreshold/)
  assert.throws(() => resolveBalancerOptions({ startHealthy: 'yes' as unknown as boolean }), /startHealthy/)
  assert.throws(() => resolveBalancerOptions({ now: 5 as unknown as () => number }), /now/)
})

test('an unknown option is rejected, so a typo does not silently use a default', () => {
  assert.throws(
    () => resolveBalancerOptions({ ejectionTime: 5 } as unknown as Parameters<typeof resolveBalancerOptions>[0]),
    { code: 'STK_ERR_BALANCER_INVALID_OPTION' }
  )
})

test('frozen options are read, never written into (the schema fills defaults into a copy)', () => {
  const options = resolveBalancerOptions()
  assert.deepEqual(resolveBalancerOptions(options), options)
  assert.deepEqual([...resolveRetryPolicyOptions({ idempotentMethods: Object.freeze(['GET']) }).idempotentMethods], ['GET'])
})

test('retry policy options: defaults, validation, frozen', () => {
  const options = resolveRetryPolicyOptions()
  assert.equal(options.maxAttempts, retryPolicyDefaults.maxAttempts)
  assert.deepEqual([...options.idempotentMethods], ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'])
  assert.ok(Object.isFrozen(options))
  assert.deepEqual([...resolveRetryPolicyOptions({ idempotentMethods: ['get'] }).idempotentMethods], ['GET'])
  assert.throws(() => resolveRetryPolicyOptions({ maxAttempts: 0 }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'STK_ERR_RETRY_INVALID_OPTION')
    assert.match(error.message, /maxAttempts/)
    return true
  })
  assert.throws(() => resolveRetryPolicyOptions({ idempotentMethods: 'GET' as unknown as string[] }), /idempotentMethods/)
})
