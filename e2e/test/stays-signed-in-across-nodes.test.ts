// A signed-in user stays signed in whichever node the non-sticky LB picks.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ALICE, apiSignIn, type SessionBody } from './helpers/accounts.js'
import { useCluster } from './helpers/cluster-fixture.js'
import { jsonOf, summarize } from './helpers/http-client.js'

const cluster = useCluster()
const REQUESTS = 30

test('one API login is honoured by every web node behind the LB', { timeout: 60_000 }, async () => {
  const client = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  const servedBy = new Set<string>()
  for (let i = 0; i < REQUESTS; i++) {
    const res = await client.get(cluster.lbUrl('/api/session'))
    assert.equal(res.status, 200, `request ${i + 1}: ${summarize(res)}`)
    assert.equal(res.headers.get('cache-control'), 'no-store', `a signed-in response is never cached: ${summarize(res)}`)
    assert.deepEqual(res.setCookies, [], `GET /api/session is read-only, it sets no cookie: ${summarize(res)}`)
    const body = jsonOf<SessionBody>(res)
    assert.equal(body.authenticated, true, summarize(res))
    assert.equal(body.user, ALICE.username, summarize(res))
    assert.ok(res.servedBy, `x-served-by on ${summarize(res)}`)
    assert.equal(body.node, res.servedBy, `the body names the node that answered: ${summarize(res)}`)
    servedBy.add(res.servedBy)
  }
  assert.deepEqual([...servedBy].sort(), cluster.webNames, `round robin reached every web node in ${REQUESTS} requests`)
})

test('GET / shows the signed-in dashboard, never cached', { timeout: 30_000 }, async () => {
  const client = await apiSignIn(cluster.lbUrl('/api/login'), ALICE)
  const res = await client.get(cluster.lbUrl('/'))
  assert.equal(res.status, 200, summarize(res))
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/, summarize(res))
  assert.equal(res.headers.get('cache-control'), 'no-store', summarize(res))
  assert.ok(res.servedBy, summarize(res))
  assert.ok(res.text.includes(ALICE.username), 'the dashboard names the user')
  assert.ok(res.text.includes(res.servedBy), 'the dashboard names the node that served it')
  assert.match(res.text, /action="\/logout"/, 'the dashboard has the logout form')
})
