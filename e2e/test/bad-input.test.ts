// Every bad input gets a clear 4xx (JSON {statusCode, code, error, message}
// under /api/*, no stack trace), and the cluster stays up afterwards.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ALICE, BOB, apiSignIn, csrfTokenOf, type SessionBody } from './helpers/accounts.js'
import { assertApiError, assertClusterHealthy, assertHtml, assertNoStackTrace } from './helpers/assertions.js'
import { useCluster } from './helpers/cluster-fixture.js'
import { HttpClient, jsonOf, summarize, type HttpResponse } from './helpers/http-client.js'
import { parseRawResponse, rawExchange, toHttpResponse } from './helpers/raw-http.js'

/** Just over the contract's body limit (1 MiB, the nodes' and by default the LB's). */
const OVER_LIMIT = 1024 * 1024 + 1

const cluster = useCluster()

/** Requests Node's HTTP parser refuses before any route runs. */
const BROKEN_HTTP: Readonly<Record<string, string>> = {
  'Content-Length and Transfer-Encoding': 'POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'Content-Length not a number': 'POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n',
  'two different Content-Lengths': 'POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
  'a bare CR in a header value': 'GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Evil: a\rb\r\nConnection: close\r\n\r\n',
  'no Host': 'GET /api/session HTTP/1.1\r\nConnection: close\r\n\r\n',
  'not HTTP': 'HELLO THERE\r\n\r\n',
  'unknown method': 'BREW /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'
}

/** A 4xx, and when it is under /api/ and a web node answered, the contract's JSON error. */
function assertClientError (res: HttpResponse, what: string, statuses?: readonly number[]): void {
  assert.ok(res.status >= 400 && res.status < 500, `${what}: a 4xx: ${summarize(res)}`)
  if (statuses !== undefined) assert.ok(statuses.includes(res.status), `${what}: expected ${statuses.join(' or ')}: ${summarize(res)}`)
  assertNoStackTrace(res)
  if (new URL(res.url).pathname.startsWith('/api/') && res.servedBy !== undefined) assertApiError(res, res.status)
}

function signedOut (res: HttpResponse, what: string): void {
  assert.equal(res.status, 401, `${what}: ${summarize(res)}`)
  assert.equal(jsonOf<SessionBody>(res).authenticated, false, `${what}: ${summarize(res)}`)
}

/** Sends raw bytes to the LB (or a node) and parses the first answer. */
async function raw (port: number, request: string | Buffer, path: string, timeoutMs = 10_000): Promise<HttpResponse> {
  const exchange = await rawExchange(port, [request], { timeoutMs })
  const parsed = parseRawResponse(exchange.text)
  assert.ok(parsed, `an HTTP answer to ${JSON.stringify(request.toString().slice(0, 120))}: got ${JSON.stringify(exchange.text.slice(0, 200))}`)
  return toHttpResponse(parsed, 'RAW', `http://127.0.0.1:${port}${path}`, exchange.durationMs)
}

test('malformed, forged and oversized session cookies are "not signed in", never an error', { timeout: 60_000 }, async () => {
  const client = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  const sid = client.jar.get('sid')
  assert.ok(sid)
  const dot = sid.lastIndexOf('.')
  assert.ok(dot > 0, `a signed cookie value: ${sid}`)
  const id = sid.slice(0, dot)
  const signature = sid.slice(dot + 1)
  const flipped = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1)

  const cookies: Record<string, string> = {
    garbage: 'sid=garbage',
    empty: 'sid=',
    'only a dot': 'sid=.',
    'long (4 KB)': `sid=${'a'.repeat(4_000)}`,
    unsigned: `sid=${id}`,
    'tampered signature': `sid=${id}.${flipped(signature)}`,
    'tampered id': `sid=${flipped(id)}.${signature}`,
    'signature of another id': `sid=${'x'.repeat(id.length)}.${signature}`,
    'bad percent-encoding': 'sid=%E0%A4%A',
    'percent-encoded signature': `sid=${encodeURIComponent(`${id}.${flipped(signature)}`)}`,
    'latin-1 bytes': 'sid=caf\u00e9.\u00ff\u00fe',
    'no name': '=value',
    'JSON-looking': 'sid=j:{"user":"alice"}',
    'cookie-name-only': 'sid'
  }
  for (const [what, cookie] of Object.entries(cookies)) {
    const session = await new HttpClient().get(cluster.lbUrl('/api/session'), { headers: { cookie } })
    signedOut(session, `GET /api/session with a ${what} cookie`)
    const cart = await new HttpClient().postJson(cluster.lbUrl('/api/cart'), { item: 'x' }, { headers: { cookie } })
    assertApiError(cart, 401)
    const page = await new HttpClient().get(cluster.lbUrl('/'), { headers: { cookie } })
    assert.equal(page.status, 303, `GET / with a ${what} cookie: ${summarize(page)}`)
  }

  // UTF-8 bytes in the Cookie header (fetch cannot send them): straight to a node and through the LB.
  for (const port of [cluster.port('lb'), cluster.port('web-1')]) {
    const request = Buffer.concat([
      Buffer.from('GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sid='),
      Buffer.from('séssion-🍪.签名', 'utf8'),
      Buffer.from('\r\nConnection: close\r\n\r\n')
    ])
    const res = await raw(port, request, '/api/session')
    signedOut(res, `UTF-8 cookie on port ${port}`)
  }

  // Bigger than any server takes: the LB refuses the headers.
  const huge = await new HttpClient().get(cluster.lbUrl('/api/session'), { headers: { cookie: `sid=${'a'.repeat(20_000)}` } })
  assertClientError(huge, 'a 20 KB cookie', [400, 431])

  // The real session still works: nothing above touched it.
  const still = await client.get(cluster.lbUrl('/api/session'))
  assert.equal(still.status, 200, summarize(still))
})

test('CR/LF and control characters in requests are refused, never reflected', { timeout: 60_000 }, async () => {
  const lb = cluster.port('lb')
  const bareCr = await raw(lb, 'GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Evil: a\rSet-Cookie: evil=1\r\nConnection: close\r\n\r\n', '/api/session')
  assertClientError(bareCr, 'a bare CR inside a header value', [400])
  const control = await raw(lb, 'GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: abc\x01def\r\nConnection: close\r\n\r\n', '/api/session')
  assertClientError(control, 'a control character in a header value', [400])
  const nul = await raw(lb, 'GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sid=a\x00b\r\nConnection: close\r\n\r\n', '/api/session')
  assertClientError(nul, 'a NUL byte in the Cookie header', [400])

  // Encoded CR/LF in the path must not become a response header.
  const encoded = await new HttpClient().get(cluster.lbUrl('/api/x%0d%0aSet-Cookie:%20evil=1'))
  assertApiError(encoded, 404)
  assert.ok(!encoded.setCookies.some((c) => c.startsWith('evil')), `no injected cookie: ${encoded.setCookies.join(' | ')}`)
  const encodedPage = await new HttpClient().get(cluster.lbUrl('/x%0d%0aLocation:%20http://evil.example/'))
  assert.equal(encodedPage.status, 404, summarize(encodedPage))
  assert.equal(encodedPage.headers.get('location'), null, summarize(encodedPage))

  // A request id with odd characters is replaced, not echoed into a header or a log line.
  const oddId = await new HttpClient().get(cluster.lbUrl('/api/session'), { headers: { 'x-request-id': 'a b<script>' } })
  assert.notEqual(oddId.headers.get('x-request-id'), 'a b<script>', summarize(oddId))

  for (const username of ['alice\r\nX-Injected: 1', 'alice\n', 'ali\u0000ce', 'x'.repeat(10_240)]) {
    const what = `username ${JSON.stringify(username.slice(0, 20))} (${username.length} chars)`
    const api = await new HttpClient().postJson(cluster.lbUrl('/api/login'), { username, password: ALICE.password })
    assertApiError(api, 400)
    const form = new HttpClient()
    const token = csrfTokenOf((await form.get(cluster.lbUrl('/login'))).text)
    const page = await form.postForm(cluster.lbUrl('/login'), { username, password: ALICE.password, _csrf: token })
    assert.equal(page.status, 400, `form login, ${what}: ${summarize(page)}`)
    assertHtml(page, 400)
    assert.ok(!page.text.includes('X-Injected: 1\r'), 'the form does not echo the raw CR/LF')
  }
  const longPassword = await new HttpClient().postJson(cluster.lbUrl('/api/login'), { username: ALICE.username, password: 'p'.repeat(5_000) })
  assertApiError(longPassword, 400)
})

test('wrong content types answer 415, oversized bodies 413, broken JSON 400', { timeout: 60_000 }, async () => {
  const client = await apiSignIn(cluster.lbUrl('/api/login'), BOB)
  const json = JSON.stringify({ username: ALICE.username, password: ALICE.password })

  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', 'text/json']) {
    const res = await new HttpClient().request(cluster.lbUrl('/api/login'), { method: 'POST', body: json, headers: { 'content-type': type } })
    assertApiError(res, 415)
    const cart = await client.request(cluster.lbUrl('/api/cart'), { method: 'POST', body: '{"item":"x"}', headers: { 'content-type': type } })
    assertApiError(cart, 415)
  }
  const untyped = await new HttpClient().request(cluster.lbUrl('/api/login'), { method: 'POST', body: json, headers: { 'content-type': '' } })
  assertClientError(untyped, 'POST /api/login without a content type', [400, 415])
  // The same body with a charset is fine: the negative cases above are about the type only.
  const charset = await new HttpClient().request(cluster.lbUrl('/api/login'), { method: 'POST', body: json, headers: { 'content-type': 'application/json; charset=utf-8' } })
  assert.equal(charset.status, 200, summarize(charset))

  const form = new HttpClient()
  const token = csrfTokenOf((await form.get(cluster.lbUrl('/login'))).text)
  for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x']) {
    const res = await form.request(cluster.lbUrl('/login'), { method: 'POST', body: JSON.stringify({ ...JSON.parse(json) as object, _csrf: token }), headers: { 'content-type': type } })
    assert.equal(res.status, 415, `POST /login as ${type}: ${summarize(res)}`)
    assertHtml(res, 415)
  }

  const big = JSON.stringify({ username: ALICE.username, password: ALICE.password, pad: 'x'.repeat(OVER_LIMIT) })
  assertApiError(await new HttpClient().request(cluster.lbUrl('/api/login'), { method: 'POST', body: big, headers: { 'content-type': 'application/json' } }), 413)
  assertApiError(await client.postJson(cluster.lbUrl('/api/cart'), { item: 'x', pad: 'x'.repeat(OVER_LIMIT) }), 413)
  const bigForm = await form.postForm(cluster.lbUrl('/login'), { username: ALICE.username, password: ALICE.password, _csrf: token, pad: 'x'.repeat(OVER_LIMIT) })
  assert.equal(bigForm.status, 413, summarize(bigForm))
  assertHtml(bigForm, 413)

  // A declared body far beyond the LB's limit is refused from the headers alone.
  const declared = await raw(cluster.port('lb'), 'POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n{"username":', '/api/login')
  assertClientError(declared, 'Content-Length: 50 MB', [413])

  const broken: Record<string, string> = {
    truncated: '{"username":',
    'single quotes': "{'username':'alice'}",
    'trailing comma': '{"username":"alice","password":"wonderland",}',
    empty: '',
    'not an object (null)': 'null',
    'not an object (array)': '[]',
    'not an object (string)': '"alice"',
    'not an object (number)': '42',
    'wrong field types': '{"username":1,"password":true}',
    'missing password': '{"username":"alice"}',
    'empty username': '{"username":"","password":"wonderland"}',
    'nested username': '{"username":{"$ne":null},"password":"wonderland"}'
  }
  for (const [what, body] of Object.entries(broken)) {
    const res = await new HttpClient().request(cluster.lbUrl('/api/login'), { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    assert.equal(res.status, 400, `POST /api/login, ${what}: ${summarize(res)}`)
    assertApiError(res, 400)
  }
  // A lone surrogate is valid JSON but no real name: refused or simply wrong, never a 500.
  const surrogate = await new HttpClient().request(cluster.lbUrl('/api/login'), { method: 'POST', body: '{"username":"\\ud800","password":"x"}', headers: { 'content-type': 'application/json' } })
  assertApiError(surrogate, [400, 401])
  for (const [what, request] of Object.entries(BROKEN_HTTP)) {
    const res = await raw(cluster.port('lb'), request, '/api/login')
    assertClientError(res, `${what}, through the LB`, [400, 405, 501])
  }
  const badUrl = await new HttpClient().get(cluster.lbUrl('/api/%E0%A4%A'))
  assertApiError(badUrl, [400, 404])
  const longUrl = await new HttpClient().get(cluster.lbUrl(`/api/${'a'.repeat(20_000)}`))
  assertClientError(longUrl, 'a 20 KB URL', [400, 404, 414, 431])
})

test('a node answers even requests its HTTP parser refuses with x-served-by and the JSON error format', { timeout: 30_000 }, async () => {
  // Straight to a node: "every response from a web node carries x-served-by", errors under /api/ are JSON.
  const node = 'web-2'
  for (const [what, request] of Object.entries(BROKEN_HTTP)) {
    const res = await raw(cluster.port(node), request, '/api/login')
    assertClientError(res, `${what}, straight to ${node}`, [400, 405, 501])
    assert.equal(res.servedBy, node, `${what}: x-served-by on ${node}'s answer: ${summarize(res)}`)
    assertApiError(res, res.status)
  }
})

test('__proto__ and constructor.prototype payloads are refused and pollute nothing', { timeout: 60_000 }, async () => {
  const client = await apiSignIn(cluster.lbUrl('/api/login'), BOB)
  const payloads = [
    '{"__proto__":{"authenticated":true,"user":"alice"},"username":"alice","password":"wrong"}',
    '{"username":"alice","password":"wonderland","__proto__":{"polluted":"yes"}}',
    '{"constructor":{"prototype":{"polluted":"yes"}},"username":"alice","password":"wonderland"}',
    '{"username":"alice","password":"wonderland","\\u005f_proto__":{"polluted":"yes"}}'
  ]
  for (const body of payloads) {
    const res = await new HttpClient().request(cluster.lbUrl('/api/login'), { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    assertApiError(res, 400)
  }
  for (const body of ['{"item":"x","__proto__":{"polluted":"yes"}}', '{"item":"x","constructor":{"prototype":{"polluted":"yes"}}}', '{"__proto__":{"item":"from the prototype"}}']) {
    const res = await client.request(cluster.lbUrl('/api/cart'), { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    assertApiError(res, 400)
  }
  const form = new HttpClient()
  const token = csrfTokenOf((await form.get(cluster.lbUrl('/login'))).text)
  for (const extra of ['__proto__[polluted]=yes', '__proto__=x', 'constructor[prototype][polluted]=yes']) {
    const body = `${extra}&username=alice&password=wrong&_csrf=${encodeURIComponent(token)}`
    const res = await form.request(cluster.lbUrl('/login'), { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    assert.ok([400, 401].includes(res.status), `form with ${extra}: refused or ignored, never 500: ${summarize(res)}`)
    assertNoStackTrace(res)
  }

  // No node learned anything: an anonymous request is still signed out with
  // exactly the contract's fields, and a session has only its own.
  for (const name of cluster.webNames) {
    const anonymous = await new HttpClient().get(cluster.webUrl(name, '/api/session'))
    assert.equal(anonymous.status, 401, summarize(anonymous))
    assert.deepEqual(Object.keys(jsonOf(anonymous)).sort(), ['authenticated', 'node'], summarize(anonymous))
    const mine = await client.get(cluster.webUrl(name, '/api/session'))
    assert.equal(mine.status, 200, summarize(mine))
    assert.deepEqual(jsonOf(mine), { authenticated: true, user: BOB.username, node: name, cart: [] }, summarize(mine))
    assert.ok(!mine.text.includes('polluted') && !anonymous.text.includes('polluted'))
  }
})

test('cart items must be 1 to 100 printable characters; a full cart answers 409', { timeout: 90_000 }, async () => {
  const client = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  const bad: Record<string, unknown> = {
    empty: '',
    '101 characters': 'x'.repeat(101),
    NUL: 'a\u0000b',
    newline: 'a\nb',
    'carriage return': 'a\rb',
    tab: 'a\tb',
    DEL: 'a\u007fb',
    'line separator': 'a\u2028b',
    'lone surrogate': 'a\ud800b',
    number: 42,
    null: null,
    boolean: true,
    array: ['a'],
    object: { name: 'a' }
  }
  for (const [what, item] of Object.entries(bad)) {
    const res = await client.postJson(cluster.lbUrl('/api/cart'), { item })
    assert.equal(res.status, 400, `cart item ${what}: ${summarize(res)}`)
    assertApiError(res, 400)
  }
  const missing = await client.postJson(cluster.lbUrl('/api/cart'), { name: 'x' })
  assertApiError(missing, 400)
  const notAnObject = await client.postJson(cluster.lbUrl('/api/cart'), ['x'])
  assertApiError(notAnObject, 400)

  const session = await client.get(cluster.lbUrl('/api/session'))
  assert.deepEqual(jsonOf<SessionBody>(session).cart, [], `no refused item was stored: ${summarize(session)}`)

  const longest = 'x'.repeat(100)
  const ok = await client.postJson(cluster.lbUrl('/api/cart'), { item: longest })
  assert.equal(ok.status, 200, `100 characters is allowed: ${summarize(ok)}`)
  for (let i = 2; i <= 100; i++) {
    const res = await client.postJson(cluster.lbUrl('/api/cart'), { item: `item ${i}` })
    assert.equal(res.status, 200, `item ${i}: ${summarize(res)}`)
  }
  const full = await client.postJson(cluster.lbUrl('/api/cart'), { item: 'one too many' })
  assertApiError(full, 409)
  const after = await client.get(cluster.lbUrl('/api/session'))
  const cart = jsonOf<SessionBody>(after).cart ?? []
  assert.equal(cart.length, 100, summarize(after))
  assert.equal(cart[0], longest)
  assert.equal(cart[99], 'item 100')
})

test('unknown routes answer 404 and wrong methods 404/405, JSON under /api', { timeout: 30_000 }, async () => {
  const client = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  for (const [method, path] of [['GET', '/api/nope'], ['POST', '/api/nope'], ['GET', '/api/'], ['GET', '/api'], ['GET', '/api/session/extra']] as const) {
    const res = await client.request(cluster.lbUrl(path), { method })
    assertApiError(res, 404)
  }
  const page = await new HttpClient().get(cluster.lbUrl('/nope'))
  assertHtml(page, 404)

  const wrongMethods = [['DELETE', '/api/session'], ['PUT', '/api/cart'], ['GET', '/api/cart'], ['GET', '/api/login'], ['GET', '/api/logout'], ['PATCH', '/api/session']] as const
  for (const [method, path] of wrongMethods) {
    const res = await client.request(cluster.lbUrl(path), { method })
    assertApiError(res, [404, 405])
  }
  for (const [method, path] of [['PUT', '/login'], ['DELETE', '/'], ['PATCH', '/logout']] as const) {
    const res = await client.request(cluster.lbUrl(path), { method })
    assert.ok([404, 405].includes(res.status), `${method} ${path}: ${summarize(res)}`)
    assertNoStackTrace(res)
  }
  // No CORS is ever granted, so no other site can script the JSON API.
  const preflight = await new HttpClient().request(cluster.lbUrl('/api/login'), {
    method: 'OPTIONS',
    headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }
  })
  assert.ok(preflight.status >= 400, `a CORS preflight is not granted: ${summarize(preflight)}`)
  assert.equal(preflight.headers.get('access-control-allow-origin'), null, summarize(preflight))
})

test('a client sending its headers byte by byte is cut off by the LB and by a node; others are served meanwhile', { timeout: 60_000 }, async () => {
  // Headers must arrive within 10 s (LB and nodes); 25 s is the bound of this test's wait.
  const slow = async (port: number): Promise<Awaited<ReturnType<typeof rawExchange>>> => {
    const bytes = Array.from('X-Slow: ' + 'a'.repeat(60), (c) => c)
    return await rawExchange(port, ['GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', ...bytes], { timeoutMs: 25_000, chunkDelayMs: 400 })
  }
  const slowClients = [slow(cluster.port('lb')), slow(cluster.port('web-3'))]
  const client = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  const during = await client.get(cluster.lbUrl('/api/session'))
  assert.equal(during.status, 200, `served while slow clients hold sockets: ${summarize(during)}`)
  const [viaLb, direct] = await Promise.all(slowClients)
  for (const [where, exchange] of [['LB', viaLb], ['web-3', direct]] as const) {
    assert.ok(exchange?.closedByServer, `the ${where} closed the slow client's socket (${Math.round(exchange?.durationMs ?? 0)} ms): ${JSON.stringify(exchange?.text.slice(0, 200))}`)
    if (exchange.status !== undefined) assert.ok(exchange.status >= 400 && exchange.status < 500, `${where}: ${exchange.text.slice(0, 200)}`)
  }
})

test('clients that abort in the middle of a body break nothing', { timeout: 60_000 }, async () => {
  for (const port of [cluster.port('lb'), cluster.port('web-1')]) {
    for (let i = 0; i < 5; i++) {
      await rawExchange(port, [
        'POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
        '{"username":"alice","pass'
      ], { timeoutMs: 2_000, chunkDelayMs: 20, abortAfterWrite: true })
      await rawExchange(port, [
        'POST /api/cart HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
        '10\r\n{"item":"abcdefg'
      ], { timeoutMs: 2_000, chunkDelayMs: 20, abortAfterWrite: true })
    }
  }
  const client = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  const res = await client.postJson(cluster.lbUrl('/api/cart'), { item: 'after the aborts' })
  assert.equal(res.status, 200, summarize(res))
})

test('after all of it every node and the LB are up and healthy', { timeout: 30_000 }, async () => {
  await assertClusterHealthy(cluster, 'after the bad inputs')
})
