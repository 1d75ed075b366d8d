import { test } from 'node:test'
import assert from 'node:assert/strict'
import { apiLogin, buildTestApp, submitLogin } from './helpers.js'

test('10 failures for one user: the 11th wrong attempt gets 429 (API and form), from any address', async (t) => {
  const { app } = buildTestApp()
  t.after(() => app.close())
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
  const { app } = buildTestApp()
  t.after(() => app.close())
  for (let i = 1; i <= 10; i++) {
    assert.equal((await apiLogin(app, `user${i}`, 'wrong', { remoteAddress: '198.51.100.7' })).statusCode, 401)
  }
  assert.equal((await apiLogin(app, 'someone-else', 'wrong', { remoteAddress: '198.51.100.7' })).statusCode, 429)
  assert.equal((await apiLogin(app, 'someone-else', 'wrong', { remoteAddress: '198.51.100.8' })).statusCode, 401)
})

test('the address is the one the LB saw (X-Forwarded-For from the trusted LB)', async (t) => {
  const { app } = buildTestApp()
  t.after(() => app.close())
  for (let i = 1; i <= 10; i++) {
    await apiLogin(app, `u${i}`, 'wrong', { headers: { 'x-forwarded-for': '192.0.2.1' } })
  }
  assert.equal((await apiLogin(app, 'x', 'wrong', { headers: { 'x-forwarded-for': '192.0.2.1' } })).statusCode, 429)
  assert.equal((await apiLogin(app, 'x2', 'wrong', { headers: { 'x-forwarded-for': '192.0.2.2' } })).statusCode, 401)
})

test('a successful login is never limited', async (t) => {
  const { app } = buildTestApp()
  t.after(() => app.close())
  for (let i = 1; i <= 12; i++) await apiLogin(app, 'alice', 'wrong')
  assert.equal((await apiLogin(app, 'alice', 'wrong')).statusCode, 429)
  const ok = await apiLogin(app, 'alice', 'wonderland')
  assert.equal(ok.statusCode, 200)
  const form = await submitLogin(app, 'alice', 'wonderland')
  assert.equal(form.statusCode, 303)
})

test('malformed requests (400, 415) and CSRF failures are not counted', async (t) => {
  const { app } = buildTestApp()
  t.after(() => app.close())
  for (let i = 0; i < 15; i++) {
    await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload: '{"username":"alice"}' })
    await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'text/plain' }, payload: 'alice:wrong' })
    await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=alice&password=wrong' })
  }
  assert.equal((await apiLogin(app, 'alice', 'wrong')).statusCode, 401)
})

test('the limit ends when the window passes', async (t) => {
  const { app, store } = buildTestApp()
  t.after(() => app.close())
  let now = Date.now()
  store.now = () => now
  for (let i = 1; i <= 11; i++) await apiLogin(app, 'alice', 'wrong')
  assert.equal((await apiLogin(app, 'alice', 'wrong')).statusCode, 429)
  now += 15 * 60 * 1000
  assert.equal((await apiLogin(app, 'alice', 'wrong')).statusCode, 401)
})

test('counters live in the shared store: the limit holds across nodes', async (t) => {
  const first = buildTestApp()
  const second = buildTestApp({ store: first.store, env: { NODE_NAME: 'web-2' } })
  t.after(() => Promise.all([first.app.close(), second.app.close()]))
  for (let i = 1; i <= 10; i++) await apiLogin(i % 2 === 0 ? first.app : second.app, 'bob', 'wrong')
  assert.equal((await apiLogin(second.app, 'bob', 'wrong')).statusCode, 429)
})

test('when the store cannot count, a wrong login answers 503 (fail closed)', async (t) => {
  const { app, store } = buildTestApp()
  t.after(() => app.close())
  store.down = true
  const res = await apiLogin(app, 'alice', 'wrong')
  assert.equal(res.statusCode, 503)
})
