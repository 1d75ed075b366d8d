import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RetryPolicy, attemptFailureCodes, isConnectFailure, type RetryContext } from '../src/index.js'

const policy = new RetryPolicy()

function context (overrides: Partial<RetryContext>): RetryContext {
  return {
    method: 'GET',
    errorCode: 'ECONNREFUSED',
    requestSent: false,
    responseStarted: false,
    bytesSentToClient: 0,
    requestBodyBuffered: true,
    attempt: 1,
    ...overrides
  }
}

test('connect failures are retried for any method when the body is buffered', () => {
  for (const errorCode of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', attemptFailureCodes.connectTimeout]) {
    for (const method of ['GET', 'POST', 'PATCH']) {
      assert.deepEqual(policy.decide(context({ method, errorCode })), { retry: true, reason: 'connect-failure' }, `${method} ${errorCode}`)
    }
  }
})

test('a reset before the request was sent is retried for any method', () => {
  for (const errorCode of ['ECONNRESET', 'EPIPE']) {
    assert.deepEqual(policy.decide(context({ method: 'POST', errorCode })), { retry: true, reason: 'reset-before-sent' })
  }
})

test('a reset after the request was sent is retried only for idempotent methods', () => {
  for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'get']) {
    assert.deepEqual(
      policy.decide(context({ method, errorCode: 'ECONNRESET', requestSent: true })),
      { retry: true, reason: 'idempotent-reset' },
      method
    )
  }
  for (const method of ['POST', 'PATCH']) {
    assert.deepEqual(
      policy.decide(context({ method, errorCode: 'ECONNRESET', requestSent: true })),
      { retry: false, reason: 'not-idempotent' },
      method
    )
  }
})

test('an upstream taken out by its health checks releases idempotent requests only', () => {
  const errorCode = attemptFailureCodes.upstreamUnhealthy
  assert.equal(policy.shouldRetry(context({ errorCode, requestSent: true })), true)
  assert.equal(policy.shouldRetry(context({ method: 'POST', errorCode, requestSent: true })), false)
})

test('never once a byte reached the client', () => {
  assert.deepEqual(policy.decide(context({ bytesSentToClient: 1 })), { retry: false, reason: 'response-started' })
  assert.deepEqual(policy.decide(context({ responseStarted: true, errorCode: 'ECONNRESET', requestSent: true })), { retry: false, reason: 'response-started' })
})

test('attempts are capped', () => {
  assert.equal(policy.shouldRetry(context({ attempt: 2 })), true)
  assert.deepEqual(policy.decide(context({ attempt: 3 })), { retry: false, reason: 'attempts-exhausted' })
  const single = new RetryPolicy({ maxAttempts: 1 })
  assert.equal(single.shouldRetry(context({ attempt: 1 })), false)
})

test('a body that was streamed, not buffered, cannot be sent again', () => {
  assert.deepEqual(policy.decide(context({ method: 'POST', requestBodyBuffered: false })), { retry: false, reason: 'body-not-buffered' })
})

test('timeouts, parse errors and unknown failures are not retried', () => {
  for (const errorCode of [attemptFailureCodes.upstreamTimeout, 'HPE_INVALID_CONSTANT', 'ERR_SOMETHING', undefined]) {
    assert.deepEqual(policy.decide(context({ errorCode, requestSent: true })), { retry: false, reason: 'not-retryable' }, String(errorCode))
  }
})

test('idempotent methods can be configured', () => {
  const strict = new RetryPolicy({ idempotentMethods: ['GET'] })
  assert.equal(strict.shouldRetry(context({ method: 'PUT', errorCode: 'ECONNRESET', requestSent: true })), false)
  assert.equal(strict.isIdempotent('get'), true)
})

test('isConnectFailure names the failures that never reached the upstream', () => {
  assert.equal(isConnectFailure('ECONNREFUSED'), true)
  assert.equal(isConnectFailure(attemptFailureCodes.connectTimeout), true)
  assert.equal(isConnectFailure('ECONNRESET'), false)
  assert.equal(isConnectFailure(undefined), false)
})
