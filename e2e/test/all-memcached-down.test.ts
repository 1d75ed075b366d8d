// With every memcached server down the site degrades, it does not break: the
// login form renders, requests with a session cookie get 503 (never 500),
// health stays 200 and says why, and one server's return brings logins back.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ALICE, BOB, apiSignIn, csrfTokenOf, type SessionBody } from './helpers/accounts.js'
import { assertApiError, assertClusterHealthy, assertHtml, type HealthBody } from './helpers/assertions.js'
import { logsOf, useCluster } from './helpers/cluster-fixture.js'
import { HttpClient, jsonOf, summarize } from './helpers/http-client.js'
import { pollUntil } from '@stickless/test-support'

const cluster = useCluster()
/** SESSION_SERVERS' retry_interval: a down server is probed again after this. */
const RETRY_INTERVAL_MS = cluster.options.sessionServerParams.retryIntervalS * 1_000
const RECOVERY_SLACK_MS = 10_000

let signedIn: HttpClient

test('with both memcached servers killed, pages degrade to 503 and the login form still renders', { timeout: 60_000 }, async () => {
  signedIn = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  const sid = signedIn.jar.get('sid')
  assert.ok(sid)
  await cluster.kill('memcached-1')
  await cluster.kill('memcached-2')

  for (const base of [...cluster.webNames.map((name) => cluster.webUrl(name, '/')), cluster.lbUrl('/')]) {
    const at = (path: string): string => new URL(path, base).toString()
    const where = `at ${base}`

    const form = await new HttpClient().get(at('/login'))
    assertHtml(form, 200)
    csrfTokenOf(form.text)
    const formWithCookie = await signedIn.get(at('/login'))
    assertHtml(formWithCookie, 200)

    const session = await signedIn.get(at('/api/session'))
    assertApiError(session, 503)
    assert.equal(jsonOf<{ code: string }>(session).code, 'STK_ERR_WEB_SESSION_UNAVAILABLE', `${where}: ${summarize(session)}`)

    const dashboard = await signedIn.get(at('/'))
    assertHtml(dashboard, 503)

    const cart = await signedIn.postJson(at('/api/cart'), { item: 'while down' })
    assertApiError(cart, 503)

    const login = await new HttpClient().postJson(at('/api/login'), { username: BOB.username, password: BOB.password })
    assertApiError(login, 503)

    const wrongLogin = await new HttpClient().postJson(at('/api/login'), { username: BOB.username, password: 'wrong' })
    assert.ok([401, 503].includes(wrongLogin.status), `${where}: a wrong login is 401 or 503, never 500: ${summarize(wrongLogin)}`)
    assertApiError(wrongLogin, [401, 503])

    const formClient = new HttpClient()
    const token = csrfTokenOf((await formClient.get(at('/login'))).text)
    const formLogin = await formClient.postForm(at('/login'), { username: BOB.username, password: BOB.password, _csrf: token })
    assertHtml(formLogin, 503)

    const anonymous = await new HttpClient().get(at('/api/session'))
    assert.ok([401, 503].includes(anonymous.status), `${where}: no cookie, never 500: ${summarize(anonymous)}`)
  }
  // The session cookie itself survives a 503: the outage is not a logout.
  assert.equal(signedIn.jar.get('sid'), sid, 'a 503 did not clear the session cookie')
})

test('/healthz stays 200 on every node and reports the servers down; nothing crashed', { timeout: 30_000 }, async () => {
  for (const name of cluster.webNames) {
    await pollUntil(async () => {
      const res = await new HttpClient().get(cluster.webUrl(name, '/healthz'))
      assert.equal(res.status, 200, summarize(res))
      const body = jsonOf<HealthBody>(res)
      assert.equal(body.sessionServers.length, 2, summarize(res))
      return body.sessionServers.every((s) => s.state === 'down') ? true : undefined
    }, { timeoutMs: 10_000, intervalMs: 250, what: `${name}'s /healthz reporting both servers down` })
  }
  const viaLb = await new HttpClient().get(cluster.lbUrl('/healthz'))
  assert.equal(viaLb.status, 200, `the LB keeps the nodes in rotation: ${summarize(viaLb)}`)
  assert.deepEqual(cluster.webNames.filter((name) => !cluster.isRunning(name)), [], `web nodes that crashed:\n${logsOf(cluster, cluster.webNames)}`)
})

test(`one memcached back: logins work again on every node within retry_interval (${RETRY_INTERVAL_MS} ms) + slack`, { timeout: 90_000 }, async (t) => {
  const restartedAt = Date.now()
  await cluster.restart('memcached-1', { timeoutMs: 15_000 })
  const deadline = restartedAt + RETRY_INTERVAL_MS + RECOVERY_SLACK_MS
  for (const name of cluster.webNames) {
    const client = await pollUntil(async () => {
      const attempt = new HttpClient()
      const res = await attempt.postJson(cluster.webUrl(name, '/api/login'), { username: BOB.username, password: BOB.password })
      if (res.status === 503) return undefined
      assert.equal(res.status, 200, summarize(res))
      return attempt
    }, { timeoutMs: Math.max(1, deadline - Date.now()), intervalMs: 500, what: `a login on ${name} after memcached-1 came back` })
    const session = await client.get(cluster.lbUrl('/api/session'))
    assert.equal(session.status, 200, summarize(session))
    assert.equal(jsonOf<SessionBody>(session).user, BOB.username, summarize(session))
  }
  t.diagnostic(`every node accepted logins ${Date.now() - restartedAt} ms after memcached-1's restart began`)

  // The session from before the outage died with both servers: signed out, not an error.
  const old = await signedIn.get(cluster.lbUrl('/api/session'))
  assert.equal(old.status, 401, `the pre-outage session is gone, answered as signed out: ${summarize(old)}`)
  await assertClusterHealthy(cluster, 'after the outage')
})
