import { test } from 'node:test'
import assert from 'node:assert/strict'
import { StoreError, errorCodes, isStoreUnavailable, type ErrorCode } from '@stickless/memcached-store'
import type { Session } from 'fastify'
import { toWebError } from '../src/error-handling.js'
import type { StoreCallback } from '../src/session-store.js'
import { FakeSessionStore } from './helpers/fake-session-store.js'
import { buildTestApp, cookieHeader, signIn } from './helpers/test-app.js'
import { noMemcached } from './helpers/real-store.js'

test('every store error the store counts as unavailable is answered 503, including a refused item', () => {
  const unavailable = (Object.keys(errorCodes) as ErrorCode[]).filter((code) => isStoreUnavailable(new StoreError(code, 'x')))
  assert.ok(unavailable.includes('STK_ERR_ITEM_REFUSED'))
  for (const code of unavailable) {
    const answer = toWebError(new StoreError(code, 'x'))
    assert.equal(answer.code, 'STK_ERR_WEB_SESSION_UNAVAILABLE', code)
    assert.equal(answer.statusCode, 503, code)
  }
})

test('the other store errors keep their own answers', () => {
  assert.equal(toWebError(new StoreError('STK_ERR_VALUE_TOO_LARGE', 'x')).code, 'STK_ERR_WEB_SESSION_TOO_LARGE')
  assert.equal(toWebError(new StoreError('STK_ERR_SESSION_DESTROYED', 'x')).code, 'STK_ERR_WEB_UNAUTHENTICATED')
  assert.equal(toWebError(new StoreError('STK_ERR_INVALID_KEY', 'x')).code, 'STK_ERR_WEB_BAD_REQUEST', 'its status is 400')
  assert.equal(toWebError(new StoreError('STK_ERR_INVALID_OPTION', 'x')).code, 'STK_ERR_WEB_INTERNAL')
})

// memcached out of memory: the real store fails the save with STK_ERR_ITEM_REFUSED.
// A fake, because a real store refused on every replica reports the write as
// unacknowledged (STK_ERR_STORE_UNAVAILABLE), not the refusal itself.
class RefusingStore extends FakeSessionStore {
  refuse = false

  override set (sessionId: string, session: Session, callback: StoreCallback): void {
    if (!this.refuse) return super.set(sessionId, session, callback)
    setImmediate(() => callback(new StoreError('STK_ERR_ITEM_REFUSED', 'SERVER_ERROR out of memory storing object')))
  }
}

test('a save memcached refuses (STK_ERR_ITEM_REFUSED) is answered with the coded 503', async (t) => {
  const store = new RefusingStore()
  const { app } = buildTestApp(t, noMemcached, { store })
  const sid = await signIn(app)
  store.refuse = true
  const res = await app.inject({ method: 'POST', url: '/api/cart', headers: { cookie: cookieHeader({ sid }), 'content-type': 'application/json' }, payload: '{"item":"x"}' })
  assert.equal(res.statusCode, 503)
  assert.equal(res.json().code, 'STK_ERR_WEB_SESSION_UNAVAILABLE')
  assert.equal(res.json().error, 'Service Unavailable')
})
