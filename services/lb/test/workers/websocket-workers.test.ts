import assert from 'node:assert/strict'
import { test } from 'node:test'
import { waitFor } from '@stickless/test-support'
import { request } from '../helpers/http-client.js'
import { startLbProcess } from '../helpers/lb-process.js'
import { openWs, startWsBackend, type WsClient } from '../helpers/ws-backend.js'
import type { StatusReport } from '../../src/index.js'

async function status (adminUrl: string): Promise<StatusReport> {
  return JSON.parse((await request(`${adminUrl}/status.json`)).body) as StatusReport
}

test('with 2 workers: open sockets are summed over the workers in status.json and /metrics, and SIGTERM closes them with 1001', async (t) => {
  const nodes = await Promise.all(['web-1', 'web-2'].map((name) => startWsBackend(t, name)))
  const lb = await startLbProcess(t, nodes.map((n) => `${n.name}=${n.url}`).join(','), { LB_WORKERS: '2', LB_SHUTDOWN_TIMEOUT_MS: '300' })
  const clients: WsClient[] = []
  // node:cluster hands the connections to the workers in turn.
  for (let i = 0; i < 4; i++) clients.push(await openWs(t, `ws://127.0.0.1:${lb.port}/api/live`))
  await waitFor('four hellos', () => clients.every((c) => c.messages.length === 1))

  // Workers report once a second: wait for the figures, not for a time.
  await waitFor('status.json to count 4 sockets', async () => (await status(lb.adminUrl)).totals.upgradedSockets === 4)
  const report = await status(lb.adminUrl)
  const perNode = new Map(report.upstreams.map((u) => [u.name, u.upgradedSockets]))
  for (const node of nodes) assert.equal(perNode.get(node.name), node.sockets.size, `${node.name}: what the node holds`)
  const metrics = (await request(`${lb.adminUrl}/metrics`)).body
  const gauges = [...metrics.matchAll(/^lb_upstream_upgraded_sockets\{upstream="(web-\d)"\} (\d+)$/gm)]
  assert.equal(gauges.reduce((sum, m) => sum + Number(m[2]), 0), 4, metrics)
  const accepted = [...metrics.matchAll(/^lb_upgrades_total\{upstream="web-\d",outcome="accepted"\} (\d+)$/gm)]
  assert.equal(accepted.reduce((sum, m) => sum + Number(m[1]), 0), 4)

  process.kill(lb.pid, 'SIGTERM')
  for (const client of clients) assert.equal((await client.closed).code, 1001)
  assert.equal(await lb.exited, 0)
})
