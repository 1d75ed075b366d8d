// Login limiting, through the LB, across nodes: 10 failures for one user or
// one address, then 429; malformed attempts do not count; a right password
// is never limited.
//
// Every client here is on loopback, but all of 127.0.0.0/8 is: each case
// connects from its own source address (127.0.0.x), so the LB sees, and
// passes on in X-Forwarded-For, a distinct client address per case.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ALICE, BOB, type Account } from './helpers/accounts.js'
import { assertApiError, assertHtml } from './helpers/assertions.js'
import { useCluster } from './helpers/cluster-fixture.js'
import { summarize, type HttpResponse } from './helpers/http-client.js'
import { nodeRequest } from './helpers/raw-http.js'

const cluster = useCluster()
const MAX_FAILURES = 10

let nextHost = 10
/** A loopback source address no earlier attempt in this file used. */
function freshAddress (): string {
  nextHost++
  assert.ok(nextHost < 255)
  return `127.0.0.${nextHost}`
}

async function apiLogin (username: string, password: string, from: string): Promise<HttpResponse> {
  return await nodeRequest(cluster.lbUrl('/api/login'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    localAddress: from
  })
}

function assertSignedIn (res: HttpResponse, account: Account, what: string): void {
  assert.equal(res.status, 200, `${what}: ${summarize(res)}`)
  assert.ok(res.setCookies.some((c) => c.startsWith('sid=')), `${what}: a session cookie: ${summarize(res)}`)
}

test('source addresses other than 127.0.0.1 reach the LB (the premise of the per-address cases)', { timeout: 30_000 }, async () => {
  const res = await nodeRequest(cluster.lbUrl('/healthz'), { localAddress: freshAddress() })
  assert.equal(res.status, 200, summarize(res))
})

test(`per user: after ${MAX_FAILURES} failures from different addresses and nodes, the next wrong attempt is 429`, { timeout: 60_000 }, async () => {
  const servedBy = new Set<string>()
  for (let i = 1; i <= MAX_FAILURES; i++) {
    const res = await apiLogin(ALICE.username, `wrong-${i}`, freshAddress())
    assertApiError(res, 401, 'STK_ERR_WEB_WRONG_CREDENTIALS')
    if (res.servedBy !== undefined) servedBy.add(res.servedBy)
  }
  assert.ok(servedBy.size >= 2, `the failures were spread over nodes (round robin): ${[...servedBy].join(', ')}`)

  const limited = await apiLogin(ALICE.username, 'wrong-11', freshAddress())
  assertApiError(limited, 429, 'STK_ERR_WEB_TOO_MANY_LOGIN_ATTEMPTS')
  const again = await apiLogin(ALICE.username.toUpperCase(), 'wrong-12', freshAddress())
  assertApiError(again, 429)

  // The form says so too.
  const form = await nodeRequest(cluster.lbUrl('/login'), { localAddress: freshAddress() })
  const token = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1]
  const csrfCookie = form.setCookies.find((c) => c.startsWith('csrf='))?.split(';')[0]
  assert.ok(token !== undefined && csrfCookie !== undefined, summarize(form))
  const page = await nodeRequest(cluster.lbUrl('/login'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ username: ALICE.username, password: 'wrong-13', _csrf: token }).toString(),
    localAddress: freshAddress()
  })
  assertHtml(page, 429)

  // Another user is not affected, and a right password is never limited.
  const bobWrong = await apiLogin(BOB.username, 'wrong', freshAddress())
  assertApiError(bobWrong, 401)
  assertSignedIn(await apiLogin(BOB.username, BOB.password, freshAddress()), BOB, 'bob, unaffected')
  assertSignedIn(await apiLogin(ALICE.username, ALICE.password, freshAddress()), ALICE, 'alice with the right password while limited')
})

test(`per address: after ${MAX_FAILURES} failures for different users from one address, the next wrong attempt is 429`, { timeout: 60_000 }, async () => {
  const address = freshAddress()
  const servedBy = new Set<string>()
  for (let i = 1; i <= MAX_FAILURES; i++) {
    const res = await apiLogin(`guess-${i}`, 'wrong', address)
    assertApiError(res, 401, 'STK_ERR_WEB_WRONG_CREDENTIALS')
    if (res.servedBy !== undefined) servedBy.add(res.servedBy)
  }
  assert.ok(servedBy.size >= 2, `the failures were spread over nodes (round robin): ${[...servedBy].join(', ')}`)

  const limited = await apiLogin('guess-11', 'wrong', address)
  assertApiError(limited, 429, 'STK_ERR_WEB_TOO_MANY_LOGIN_ATTEMPTS')
  // The same new user from another address: that user has one failure only.
  const elsewhere = await apiLogin('guess-11', 'wrong', freshAddress())
  assertApiError(elsewhere, 401)
  // Successful logins are never limited, not even from the limited address.
  assertSignedIn(await apiLogin(BOB.username, BOB.password, address), BOB, 'bob from the limited address')
})

test('malformed attempts (400, 415) do not count: the limit still takes 10 real failures', { timeout: 60_000 }, async () => {
  const address = freshAddress()
  const username = 'malformed-victim'
  for (let i = 0; i < 3 * MAX_FAILURES; i++) {
    const variant = i % 3
    const res = variant === 0
      ? await nodeRequest(cluster.lbUrl('/api/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username }), localAddress: address })
      : variant === 1
        ? await nodeRequest(cluster.lbUrl('/api/login'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ username, password: 'wrong' }), localAddress: address })
        : await nodeRequest(cluster.lbUrl('/api/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"username":"${username}","password":`, localAddress: address })
    assertApiError(res, variant === 1 ? 415 : 400)
  }
  for (let i = 1; i <= MAX_FAILURES; i++) {
    const res = await apiLogin(username, `wrong-${i}`, address)
    assertApiError(res, 401, 'STK_ERR_WEB_WRONG_CREDENTIALS')
  }
  const limited = await apiLogin(username, 'wrong-11', address)
  assertApiError(limited, 429)
})
