// SIGKILL of a web node under load fails no GET: the LB re-sends what could
// not reach the dead node, and the session lives on in memcached. The node
// rejoins the rotation after a restart.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { signedInProblem, signInMany } from './helpers/accounts.js'
import { logsOf, useCluster } from './helpers/cluster-fixture.js'
import { startLoad } from './helpers/load.js'
import { pollUntil } from '@stickless/test-support'

const cluster = useCluster()
const CLIENTS = 20
const VICTIM = 'web-2'

test(`${CLIENTS} signed-in clients see no failed GET while ${VICTIM} is SIGKILLed, and ${VICTIM} rejoins after a restart`, { timeout: 120_000 }, async () => {
  const sessions = await signInMany(cluster.lbUrl('/api/login'), CLIENTS)
  const load = startLoad({
    workers: CLIENTS,
    maxIterations: 2_000,
    maxDurationMs: 40_000,
    step: async (w, _i, recorder) => {
      const session = sessions[w]
      assert.ok(session)
      const res = await session.client.get(cluster.lbUrl('/api/session'))
      recorder.record(res, signedInProblem(res, session.account.username))
    }
  })
  try {
    // Traffic first, so the kill lands in the middle of it.
    assert.ok(await load.waitForRequests(300, 15_000), `warm-up traffic: ${load.recorder.report()}`)
    const before = load.recorder.requests
    const exit = await cluster.kill(VICTIM, 'SIGKILL')
    assert.equal(exit.signal, 'SIGKILL')
    // Keep the load on while the LB finds out (health checks every second).
    assert.ok(await load.waitForRequests(before + 1_000, 20_000), `traffic after the kill: ${load.recorder.report()}`)
  } finally {
    await load.stop()
  }
  const recorder = load.recorder
  assert.equal(recorder.failureCount, 0, `failed GETs around the SIGKILL of ${VICTIM}: ${recorder.report()}\n${logsOf(cluster, ['lb'])}`)
  assert.deepEqual(recorder.nodesSeen(), cluster.webNames, `every node served some of the load: ${recorder.report()}`)

  await cluster.restart(VICTIM, { timeoutMs: 30_000 })
  await cluster.waitForRotation([VICTIM], { timeoutMs: 30_000 })
  // And it serves signed-in users again, seen through the LB.
  const session = sessions[0]
  assert.ok(session)
  await pollUntil(async () => {
    const res = await session.client.get(cluster.lbUrl('/api/session'))
    assert.equal(signedInProblem(res, session.account.username), undefined)
    return res.servedBy === VICTIM ? true : undefined
  }, { timeoutMs: 15_000, intervalMs: 50, what: `${VICTIM} in x-served-by of GET /api/session through the LB` })
})
