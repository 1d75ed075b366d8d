import { test } from 'node:test'
import assert from 'node:assert/strict'
import { apiLogin, buildTestApp, submitLogin } from './helpers/test-app.js'
import { pollUntil } from '@stickless/test-support'
import { memcachedPerFile, memcachedPerTest } from './helpers/real-store.js'
import { LoginLimiter } from '../src/auth/login-limiter.js'

/** The client address of a request made with app.inject and no remoteAddress. */
const INJECT_ADDRESS = '127.0.0.1'

const memcached = memcachedPerFile()

test('10 failures for one user: the 11th wrong attempt gets 429 (API and form), from any address', async (t) => {
  const { app } = buildTestApp(t, memcached)
  for (let i = 1; i <= 10; i++) {
    const res = await apiLogin(app, 'alice', `wrong-${i}`, { remoteAddress: `10.0.0.${i}` })
    assert.equal(res.statusCode, 401, `attempt ${i}`)
  }
  const api = await apiLogin(app, 'alice', 'wrong-11', { remoteAddress: '10.0.1.1' })
  assert.equal(api.statusCode, 429)
  assert.equal(api.json().code, 'STK_ERR_WEB_TOO_MANY_LOGIN_ATTEMPTS')
  const form = await submitLogin(app, 'alice', 'wrong-12', { remoteAddress: '10.0.1.2' })
  assert.equal(form.statusCode, 429)
  assert.match(String(form.headers['content-type']), /^text\/html/)
  assert.match(form.body, /Too many failed logins/)
  // Bob is not affected.
  assert.equal((await apiLogin(app, 'bob', 'wrong', { remoteAddress: '10.0.1.3' })).statusCode, 401)
})

test('10 failures from one address: further wrong attempts for any user get 429', async (t) => {
  const { app } = buildTestApp(t, memcached)
  for (let i = 1; i <= 10; i++) {
    assert.equal((await apiLogin(app, `user${i}`, 'wrong', { remoteAddress: '198.51.100.7' })).statusCode, 401)
  }
  assert.equal((await apiLogin(app, 'someone-else', 'wrong', { remoteAddress: '198.51.100.7' })).statusCode, 429)
  assert.equal((await apiLogin(app, 'someone-else', 'wrong', { remoteAddress: '198.51.100.8' })).statusCode, 401)
})

test('the address is the one the LB saw (X-Forwarded-For from the trusted LB)', async (t) => {
  const { app } = buildTestApp(t, memcached)
  for (let i = 1; i <= 10; i++) {
    await apiLogin(app, `u${i}`, 'wrong', { headers: { 'x-forwarded-for': '192.0.2.1' } })
  }
  assert.equal((await apiLogin(app, 'x', 'wrong', { headers: { 'x-forwarded-for': '192.0.2.1' } })).statusCode, 429)
  assert.equal((await apiLogin(app, 'x2', 'wrong', { headers: { 'x-forwarded-for': '192.0.2.2' } })).statusCode, 401)
})

test('a successful login is never limited', async (t) => {
  const { app } = buildTestApp(t, memcached)
  for (let i = 1; i <= 12; i++) await apiLogin(app, 'alice', 'wrong')
  assert.equal((await apiLogin(app, 'alice', 'wrong')).statusCode, 429)
  const ok = await apiLogin(app, 'alice', 'wonderland')
  assert.equal(ok.statusCode, 200)
  const form = await submitLogin(app, 'alice', 'wonderland')
  assert.equal(form.statusCode, 303)
})

test('malformed requests (400, 415) and CSRF failures are not counted', async (t) => {
  const { app } = buildTestApp(t, memcached)
  for (let i = 0; i < 15; i++) {
    await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload: '{"username":"alice"}' })
    await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'text/plain' }, payload: 'alice:wrong' })
    await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=alice&password=wrong' })
  }
  assert.equal((await apiLogin(app, 'alice', 'wrong')).statusCode, 401)
})

test('the limit ends when the window passes', async (t) => {
  // The window is the counters' lifetime in memcached, whose clock ticks in
  // whole seconds at each server's own phase: a 3 s window lives 2 to 3 s.
  // The user's and the address's counters may sit on different servers, so
  // their windows end apart; a wrong attempt between the two ends counts in
  // the one new window while the other still limits, and attempts that keep
  // coming keep the limit on. So nothing is attempted until both counters are
  // gone (peeked, not counted), and the next wrong attempt starts from zero.
  const limits = { maxFailures: 1, windowMs: 3000 }
  const { app, store } = buildTestApp(t, memcached, { limiter: limits })
  assert.equal((await apiLogin(app, 'alice', 'wrong')).statusCode, 401)
  assert.equal((await apiLogin(app, 'alice', 'wrong')).statusCode, 429)
  const counters = new LoginLimiter(store, limits)
  assert.deepEqual(await counters.failures('alice', INJECT_ADDRESS), { user: 2, address: 2 }, 'both attempts counted for the user and for the address')
  await pollUntil(async () => {
    const { user, address } = await counters.failures('alice', INJECT_ADDRESS)
    return user === 0 && address === 0 ? true : undefined
  }, { what: 'both counters to end with their window', timeoutMs: 10_000, intervalMs: 200 })
  assert.equal((await apiLogin(app, 'alice', 'wrong')).statusCode, 401, 'a new window starts from zero')
  assert.equal((await apiLogin(app, 'alice', 'wrong')).statusCode, 429, 'and limits again past maxFailures')
})

test('counters live in the shared store: the limit holds across nodes', async (t) => {
  const first = buildTestApp(t, memcached)
  // another node: a store of its own over the same servers and key prefix
  const second = buildTestApp(t, memcached, { env: { NODE_NAME: 'web-2' }, storeOptions: { keyPrefix: first.store.options.keyPrefix } })
  for (let i = 1; i <= 10; i++) await apiLogin(i % 2 === 0 ? first.app : second.app, 'bob', 'wrong')
  assert.equal((await apiLogin(second.app, 'bob', 'wrong')).statusCode, 429)
})

test('when the store cannot count, a wrong login answers 503 (fail closed)', async (t) => {
  const own = await memcachedPerTest(t)
  const { app } = buildTestApp(t, own)
  for (const server of own.servers) await server.kill()
  const res = await apiLogin(app, 'alice', 'wrong')
  assert.equal(res.statusCode, 503)
})
