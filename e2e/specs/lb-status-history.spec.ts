// The LB status page shows time: a web node killed under traffic appears on
// the page's timeline as an ejection and as a drop in its own series, while
// the page polls status.json; and the first paint comes from the server, so
// with JavaScript off the page still lists every node and its state.
import type { Cluster } from '@stickless/scripts/cluster'
import { expect, test } from '../fixtures/index.js'

interface Series {
  at: number[]
  requestsPerSecond: number[]
  state: string[]
}

interface Report {
  upstreams: Array<{ name: string, state: string, inRotation: boolean, history: Series }>
  events: Array<{ upstream: string, kind: string, reason: string, at: string }>
}

async function report (cluster: Cluster): Promise<Report> {
  const res = await fetch(cluster.lbAdminUrl('/status.json'))
  expect(res.status).toBe(200)
  return await res.json() as Report
}

function seriesOf (status: Report, node: string): Series {
  const upstream = status.upstreams.find((u) => u.name === node)
  if (upstream === undefined) throw new Error(`${node} is not in status.json`)
  return upstream.history
}

/** Steady light traffic through the LB (about 50 requests a second) until stop() is called. */
function traffic (cluster: Cluster): { stop: () => Promise<{ sent: number, failed: number }> } {
  let running = true
  let sent = 0
  let failed = 0
  const loop = async (): Promise<void> => {
    while (running) {
      sent += 1
      try {
        const res = await fetch(cluster.lbUrl('/healthz'), { signal: AbortSignal.timeout(5_000) })
        await res.arrayBuffer()
        if (res.status !== 200) failed += 1
      } catch {
        failed += 1
      }
      await new Promise((resolve) => setTimeout(resolve, 40))
    }
  }
  const loops = [loop(), loop()]
  return {
    stop: async () => {
      running = false
      await Promise.all(loops)
      return { sent, failed }
    }
  }
}

test('a web node killed under traffic shows on the status page as an ejection and a drop in its series', async ({ page, cluster, control }, testInfo) => {
  const victim = cluster.webNames[1] ?? 'web-2'
  const load = traffic(cluster)
  try {
    await page.goto(cluster.lbAdminUrl('/status'))
    // A few seconds of traffic on every node first, so there is something to drop from.
    await expect.poll(async () => seriesOf(await report(cluster), victim).requestsPerSecond.slice(-3).filter((rate) => rate > 0).length,
      { message: `${victim} serves traffic before the kill`, timeout: 15_000 }).toBe(3)

    const killedAt = Date.now()
    await control.kill(victim)

    // status.json has the ejection (an earlier test may have left older ones) ...
    let ejectedAt = ''
    await expect.poll(async () => {
      ejectedAt = (await report(cluster)).events.find((e) => e.upstream === victim && e.kind === 'ejected' && Date.parse(e.at) >= killedAt - 50)?.at ?? ''
      return ejectedAt
    }, { message: `an ejection of ${victim} after the kill`, timeout: 5_000 }).not.toBe('')
    // ... and the page, live from status.json, shows it with its reason ...
    const ejection = page.locator(`#events tr[data-node="${victim}"][data-kind="ejected"][data-at="${ejectedAt}"]`)
    await expect(ejection, 'the timeline shows the ejection').toBeVisible({ timeout: 5_000 })
    await expect(ejection).toContainText('could not connect')
    // ... the node's row and chart leave "healthy" ...
    const row = page.locator(`#rows tr[data-node="${victim}"]`)
    await expect(row).not.toHaveAttribute('data-state', 'healthy')
    const chart = page.locator(`#charts section[data-node="${victim}"]`)
    await expect(chart.locator('rect.band').first(), 'the chart shades the time out of rotation').toBeAttached()
    await expect(chart.locator('line.mark.ejected').first(), 'the chart marks the ejection').toBeAttached()
    // ... and its requests per second fall to zero while the others carry on.
    await expect(chart.locator('.now .rate-text')).toHaveText('0 req/s', { timeout: 5_000 })

    // Three seconds of samples after the kill.
    let status = await report(cluster)
    await expect.poll(async () => {
      status = await report(cluster)
      return seriesOf(status, victim).at.at(-1) ?? 0
    }, { message: 'samples after the kill', timeout: 10_000 }).toBeGreaterThan(killedAt + 3_000)
    const series = seriesOf(status, victim)
    const before = series.at.map((at, i) => ({ at, rate: series.requestsPerSecond[i] ?? 0 })).filter((s) => s.at < killedAt)
    const after = series.at.map((at, i) => ({ at, rate: series.requestsPerSecond[i] ?? 0, state: series.state[i] })).filter((s) => s.at > killedAt + 2_000)
    expect(before.slice(-3).every((s) => s.rate > 0), `${victim} had traffic before the kill: ${JSON.stringify(before.slice(-3))}`).toBe(true)
    expect(after.length, 'samples after the kill').toBeGreaterThan(0)
    expect(after.every((s) => s.rate === 0 && s.state !== 'healthy'), `${victim} dropped out: ${JSON.stringify(after)}`).toBe(true)
    for (const other of cluster.webNames.filter((name) => name !== victim)) {
      expect(seriesOf(status, other).requestsPerSecond.at(-1), `${other} still serves`).toBeGreaterThan(0)
    }
    const event = status.events.find((e) => e.upstream === victim && e.kind === 'ejected' && e.at === ejectedAt)
    expect(event?.reason).toMatch(/^a request could not connect \(ECONNREFUSED\)/)

    await testInfo.attach('status page after the kill', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' })
  } finally {
    const { sent, failed } = await load.stop()
    testInfo.annotations.push({ type: 'traffic', description: `${sent} requests, ${failed} failed` })
  }
})

test('with JavaScript off the status page still lists every node and its state', async ({ browser, cluster, control }) => {
  const context = await browser.newContext({ javaScriptEnabled: false })
  try {
    const page = await context.newPage()
    const res = await page.goto(cluster.lbAdminUrl('/status'))
    expect(res?.status()).toBe(200)
    for (const node of cluster.webNames) {
      const row = page.locator(`#rows tr[data-node="${node}"]`)
      await expect(row.getByRole('cell', { name: node, exact: true })).toBeVisible()
      await expect(row.locator('.pill')).toHaveText('healthy')
      await expect(page.locator(`#charts section[data-node="${node}"] svg`)).toBeVisible()
    }
    await expect(page.locator('#timeline')).toBeVisible()

    // The server's paint follows the cluster: a dead node shows as such on a reload.
    const victim = cluster.webNames[2] ?? 'web-3'
    await control.kill(victim)
    await expect.poll(async () => (await report(cluster)).upstreams.find((u) => u.name === victim)?.inRotation,
      { message: `${victim} leaves rotation`, timeout: 10_000 }).toBe(false)
    await page.reload()
    await expect(page.locator(`#rows tr[data-node="${victim}"] .pill`)).not.toHaveText('healthy')
    await expect(page.locator(`#events tr[data-node="${victim}"]`).first()).toBeVisible()
    for (const node of cluster.webNames.filter((name) => name !== victim)) {
      await expect(page.locator(`#rows tr[data-node="${node}"] .pill`)).toHaveText('healthy')
    }
  } finally {
    await context.close()
  }
})
