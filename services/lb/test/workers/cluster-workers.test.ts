import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import net from 'node:net'
import { test } from 'node:test'
import { startBackend, type BackendHandler } from '../helpers/fake-backend.js'
import { request, requestJson } from '../helpers/http-client.js'
import { startLbProcess } from '../helpers/lb-process.js'
import type { StatusReport } from '../../src/index.js'
import { isAlive, waitFor } from '@stickless/test-support'

// LB_WORKERS=2: the LB as a real process (node:cluster forks main.js), the
// fake nodes in this process. Each request goes on a fresh connection, and
// node:cluster hands connections to the workers in turn.

/** Whether a TCP connection to the port is accepted or refused (then closed at once). */
function connectOutcome (port: number): Promise<'accepted' | 'refused' | 'error'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve('accepted') })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'error'))
  })
}

async function status (adminUrl: string): Promise<StatusReport> {
  return JSON.parse((await request(`${adminUrl}/status.json`)).body) as StatusReport
}

test('with 2 workers: round robin over the nodes, and status.json and /metrics count both workers\' requests', async (t) => {
  const backends = await Promise.all(['web-1', 'web-2', 'web-3'].map((name) => startBackend(t, name)))
  const lb = await startLbProcess(t, backends.map((b) => `${b.name}=${b.url}`).join(','), { LB_WORKERS: '2' })
  assert.equal(lb.workerPids.length, 2)

  for (let i = 0; i < 12; i++) {
    const reply = await requestJson(`${lb.url}/page?i=${i}`)
    assert.equal(reply.status, 200)
  }
  // Each worker goes round robin on its own: per node the counts differ by at most one per worker.
  const counts = backends.map((b) => b.seen.length)
  assert.equal(counts.reduce((a, b) => a + b, 0), 12)
  assert.ok(Math.max(...counts) - Math.min(...counts) <= 2, `spread over the nodes: ${counts.join(', ')}`)

  // Workers report once a second: wait for the figures, not for a time.
  await waitFor('status.json to count 12 requests', async () => (await status(lb.adminUrl)).totals.requests === 12)
  const report = await status(lb.adminUrl)
  assert.equal(report.workers?.length, 2)
  assert.deepEqual(report.workers?.map((w) => w.pid).sort(), [...lb.workerPids].sort())
  for (const worker of report.workers ?? []) assert.ok(worker.requests > 0, `worker ${worker.id} served some of them`)
  assert.equal(report.workers?.reduce((sum, w) => sum + w.requests, 0), 12)
  assert.deepEqual(report.upstreams.map((u) => u.requests), counts, 'per node, the attempts of both workers')
  await waitFor('the history to hold the requests', async () => (await status(lb.adminUrl)).upstreams.every((u, i) => u.history.requestsPerSecond.reduce((a, b) => a + b, 0) > 0 || counts[i] === 0))

  const page = (await request(`${lb.adminUrl}/status`)).body
  assert.match(page, /<div class="card"><b>12<\/b><span>requests<\/span><\/div>/, 'the status page shows the whole LB')
  assert.match(page, /<div class="card"><b>2<\/b><span>workers<\/span><\/div>/)

  const metrics = (await request(`${lb.adminUrl}/metrics`)).body
  const served = [...metrics.matchAll(/^lb_requests_total\{upstream="(web-\d)",status="200"\} (\d+)$/gm)]
  assert.equal(served.reduce((sum, m) => sum + Number(m[2]), 0), 12, metrics)
  assert.match(metrics, /^lb_upstream_healthy\{upstream="web-1",url="[^"]+"\} 1$/m, 'health comes from the primary, once')
})

test('with 2 workers: a request that cannot reach a node is retried, and status.json shows the retries of both', async (t) => {
  const resetBeforeAnswer: BackendHandler = (req) => { req.socket.resetAndDestroy() }
  const flaky = await startBackend(t, 'flaky', { handler: resetBeforeAnswer })
  const good = await startBackend(t, 'good')
  const lb = await startLbProcess(t, `flaky=${flaky.url},good=${good.url}`, { LB_WORKERS: '2' })

  for (let i = 0; i < 8; i++) {
    const reply = await requestJson(`${lb.url}/page`)
    assert.equal(reply.status, 200)
    assert.equal(reply.json.node, 'good')
  }
  assert.ok(flaky.seen.length >= 2, `the flaky node got requests from both workers (${flaky.seen.length})`)
  await waitFor('status.json to count every retry', async () => (await status(lb.adminUrl)).totals.retries === flaky.seen.length)
  const report = await status(lb.adminUrl)
  assert.equal(report.upstreams.find((u) => u.name === 'flaky')?.retries, flaky.seen.length)
  assert.equal(report.upstreams.find((u) => u.name === 'flaky')?.errors, flaky.seen.length)
  const retryEvents = report.events.filter((e) => e.kind === 'retry' && e.upstream === 'flaky')
  assert.equal(retryEvents.reduce((sum, e) => sum + e.count, 0), flaky.seen.length)
})

test('with 2 workers: SIGTERM refuses new connections, lets in-flight requests finish, and stops every worker', async (t) => {
  const held: ServerResponse[] = []
  // /slow/* is held until the test answers it; anything else is answered at once.
  const backend = await startBackend(t, 'web-1', {
    handler: (req, res) => {
      if (req.url?.startsWith('/slow/') === true) held.push(res)
      else res.end('new')
    }
  })
  // The drain ends when the held requests do; its timeout is only a bound, kept
  // far above what seeing the listener close can take on a loaded machine.
  const lb = await startLbProcess(t, `web-1=${backend.url}`, { LB_WORKERS: '2', LB_SHUTDOWN_TIMEOUT_MS: '60000' })

  const inFlight = Promise.all([request(`${lb.url}/slow/1`), request(`${lb.url}/slow/2`)])
  inFlight.catch(() => {}) // awaited below; a failure must fail the test there, not as an unhandled rejection
  await waitFor('both requests to reach the node', () => held.length === 2)
  lb.child.kill('SIGTERM')
  // A TCP connect, not a request: node:cluster's primary accepts connections
  // and hands them to the workers, and one it accepts while the workers close
  // their listeners is left with no worker until the primary exits (see the
  // README, Workers). Refused means the listening socket is closed.
  await waitFor('new connections to be refused', async () => await connectOutcome(lb.port) === 'refused', 30_000)
  assert.equal(lb.child.exitCode, null, 'the primary waits for the in-flight requests')

  for (const res of held) res.end('finished')
  const replies = await inFlight
  for (const reply of replies) {
    assert.equal(reply.status, 200)
    assert.equal(reply.body, 'finished')
    assert.equal(reply.headers.connection, 'close')
  }
  assert.equal(await lb.exited, 0)
  for (const pid of lb.workerPids) await waitFor(`worker ${pid} to exit`, () => !isAlive(pid))
})

test('with 2 workers: a worker that dies is replaced, and the LB keeps serving', async (t) => {
  const backend = await startBackend(t, 'web-1')
  const lb = await startLbProcess(t, `web-1=${backend.url}`, { LB_WORKERS: '2' })
  const [victim, survivor] = lb.workerPids as [number, number]

  process.kill(victim, 'SIGKILL')
  await waitFor('a replacement worker to listen', () => lb.workerPids.length === 3, 10_000)
  const replacement = lb.workerPids[2] as number
  assert.ok(isAlive(replacement) && isAlive(survivor))
  await waitFor('status.json to list the survivor and the replacement', async () => {
    const pids = (await status(lb.adminUrl)).workers?.map((w) => w.pid).sort()
    return JSON.stringify(pids) === JSON.stringify([survivor, replacement].sort())
  })
  for (let i = 0; i < 4; i++) assert.equal((await request(`${lb.url}/after`)).status, 200)
  assert.match(lb.lines.join('\n'), /worker exited; starting another/)
})

test('with 2 workers: a node whose /healthz answers 503 leaves the rotation of every worker', async (t) => {
  const [draining, steady] = await Promise.all([startBackend(t, 'draining'), startBackend(t, 'steady')])
  // Checks every 50 ms: the primary's results reach both workers.
  const lb = await startLbProcess(t, `draining=${draining.url},steady=${steady.url}`, { LB_WORKERS: '2', LB_HEALTH_INTERVAL_MS: '50' })
  draining.healthStatus = 503
  await waitFor('the primary to see the node draining', async () => (await status(lb.adminUrl)).upstreams.find((u) => u.name === 'draining')?.state === 'draining')
  await waitFor('the timeline to say so', async () => (await status(lb.adminUrl)).events.some((e) => e.kind === 'draining' && e.upstream === 'draining'))
  // Each worker applies the same check results: wait until four requests in a row (two per worker) miss the node.
  await waitFor('both workers to stop sending to the draining node', async () => {
    const mark = draining.seen.length
    for (let i = 0; i < 4; i++) await request(`${lb.url}/probe`)
    return draining.seen.length === mark
  })
  const after = draining.seen.length
  for (let i = 0; i < 8; i++) assert.equal((await requestJson(`${lb.url}/page`)).json.node, 'steady', 'no worker sends to the draining node')
  assert.equal(draining.seen.length, after)
})

test('with 2 workers: a node that refuses connections is ejected by one worker\'s request, and the primary and the other worker hear of it', async (t) => {
  const [doomed, steady] = await Promise.all([startBackend(t, 'doomed'), startBackend(t, 'steady')])
  const lb = await startLbProcess(t, `doomed=${doomed.url},steady=${steady.url}`, { LB_WORKERS: '2' })
  await doomed.kill()
  // Every request succeeds: the one that meets the dead node is retried on the other.
  for (let i = 0; i < 8; i++) assert.equal((await requestJson(`${lb.url}/page`)).json.node, 'steady')
  await waitFor('the primary to show the ejection and count the requests', async () => {
    const current = await status(lb.adminUrl)
    return current.upstreams.find((u) => u.name === 'doomed')?.state === 'ejected' && current.totals.requests === 8
  })
  const report = await status(lb.adminUrl)
  assert.equal(report.events.filter((e) => e.kind === 'ejected' && e.upstream === 'doomed').length, 1, 'one ejection on the timeline, not one per worker')
  assert.match(report.events.find((e) => e.kind === 'ejected')?.reason ?? '', /ECONNREFUSED/)
  assert.equal(report.totals.lbErrors, 0)
  // The retries it took: at most one per worker, since an ejection reaches the other worker at once.
  assert.ok(report.totals.retries >= 1 && report.totals.retries <= 2, `retries: ${report.totals.retries}`)
})
