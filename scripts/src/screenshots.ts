// `npm run screenshots`: the README's three pictures, taken by Playwright in
// Chromium from a real local cluster (memcached, three web nodes, the LB) on
// free ports:
//   docs/login.png      the login page;
//   docs/dashboard.png  alice's dashboard with her two sessions listed (she
//                       signed in from two browser contexts, the second an
//                       emulated Pixel 7);
//   docs/lb-status.png  the LB's status page while web-2 is dead: signed-in
//                       traffic runs throughout, web-2 is SIGKILLed, and the
//                       picture shows its series dropping to zero, the other
//                       nodes taking its share and the events with their reasons.
// Every process it starts is stopped by PID (the Cluster's stop(), the
// browser's close()), also when a step fails or on Ctrl-C.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { chromium, devices, type Browser, type LaunchOptions, type Page } from '@playwright/test'
import { Cluster } from './cluster/index.js'

const ALICE = { username: 'alice', password: 'wonderland' }
const DESKTOP = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 }
/** Signed-in readers through the LB, and the pause each takes between two reads: about 60 requests a second. */
const READERS = 6
const READ_PAUSE_MS = 100
/** Traffic before the kill, and how long the picture waits after it. */
const WARM_MS = 40_000
const AFTER_KILL_MS = 12_000
const VICTIM = 'web-2'

async function main (): Promise<void> {
  const rootDir = new URL('../../../', import.meta.url)
  const docs = join(rootDir.pathname, 'docs')
  await mkdir(docs, { recursive: true })
  const launchOptions = await systemChromium(rootDir)

  // Output stays in memory and is printed only when something fails.
  const cluster = new Cluster({ portMode: 'ephemeral', output: null, colour: false })
  let browser: Browser | undefined
  let traffic: Traffic | undefined
  try {
    log('starting the cluster on free ports')
    const info = await cluster.start()
    log(`cluster ready: ${info.url}, status ${info.statusUrl}`)
    browser = await chromium.launch({ ...launchOptions, headless: true })
    // The desktop browser is this Chromium, introduced as the Chrome it is
    // rather than as "HeadlessChrome" (the sessions panel shows the summary).
    const desktopOptions = { ...DESKTOP, userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36` }

    // 1. The login page.
    const login = await browser.newContext({ ...desktopOptions, viewport: { width: 1280, height: 720 } })
    const loginPage = await login.newPage()
    await loginPage.goto(cluster.lbUrl('/login'))
    await loginPage.getByLabel('Username').waitFor()
    await shoot(loginPage, join(docs, 'login.png'), false)
    await login.close()

    // 2. The dashboard: alice signed in from a phone and from this desktop browser.
    const phone = await browser.newContext({ ...devices['Pixel 7'] })
    await signIn(await phone.newPage(), cluster)
    const desktop = await browser.newContext(desktopOptions)
    const page = await desktop.newPage()
    await signIn(page, cluster)
    // A few reloads, so the session's last hops cross the nodes.
    for (let i = 0; i < 3; i++) await page.reload()
    const sessions = page.locator('#your-sessions tbody tr')
    await sessions.nth(1).waitFor()
    const listed = await sessions.count()
    if (listed !== 2) throw new Error(`the dashboard lists ${listed} sessions, expected 2`)
    await shoot(page, join(docs, 'dashboard.png'), true)
    await phone.close()

    // 3. The status page while a node is dead, under signed-in traffic.
    traffic = await startTraffic(cluster)
    const status = await desktop.newPage()
    await status.goto(cluster.lbAdminUrl('/status'))
    log(`traffic for ${WARM_MS / 1000} s before the kill`)
    await sleep(WARM_MS)
    log(`SIGKILL ${VICTIM}`)
    await cluster.kill(VICTIM, 'SIGKILL')
    await sleep(AFTER_KILL_MS)
    const row = status.locator(`#rows tr[data-node="${VICTIM}"]`)
    const state = await row.getAttribute('data-state')
    if (state === 'healthy' || state === null) throw new Error(`${VICTIM} shows as ${String(state)} on the status page ${AFTER_KILL_MS / 1000} s after its kill`)
    await status.locator(`#events tr[data-node="${VICTIM}"][data-kind="ejected"]`).first().waitFor()
    await shoot(status, join(docs, 'lb-status.png'), true)
    const { reads, failed } = await traffic.stop()
    traffic = undefined
    log(`traffic: ${reads} signed-in reads through the LB, ${failed} failed`)
    await desktop.close()
  } catch (error) {
    for (const name of cluster.names) {
      const lines = cluster.logs(name).slice(-15)
      if (lines.length > 0) process.stderr.write(`--- last output of ${name} ---\n${lines.join('\n')}\n`)
    }
    throw error
  } finally {
    await traffic?.stop()
    await browser?.close()
    await cluster.stop()
    log('stopped every process')
  }
}

/** e2e/fixtures/chromium.ts's launch options (the system Chromium where it exists), read from e2e's build. */
async function systemChromium (rootDir: URL): Promise<LaunchOptions> {
  const module = await import(new URL('e2e/dist/fixtures/chromium.js', rootDir).href) as { chromiumLaunchOptions: () => LaunchOptions }
  return module.chromiumLaunchOptions()
}

async function signIn (page: Page, cluster: Cluster): Promise<void> {
  await page.goto(cluster.lbUrl('/login'))
  await page.getByLabel('Username').fill(ALICE.username)
  await page.getByLabel('Password').fill(ALICE.password)
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/'),
    page.getByRole('button', { name: 'Sign in' }).click()
  ])
}

async function shoot (page: Page, path: string, fullPage: boolean): Promise<void> {
  // Let the last poll and fonts settle.
  await page.waitForLoadState('load')
  await sleep(300)
  await page.screenshot({ path, fullPage, animations: 'disabled' })
  log(`wrote ${path}`)
}

interface Traffic {
  stop: () => Promise<{ reads: number, failed: number }>
}

/** READERS users, each signed in through the LB's API, reading their session in a loop until stop(). */
async function startTraffic (cluster: Cluster): Promise<Traffic> {
  const cookies = await Promise.all(Array.from({ length: READERS }, async () => {
    const res = await fetch(cluster.lbUrl('/api/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ALICE)
    })
    await res.arrayBuffer()
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c?.startsWith('sid=') === true)
    if (res.status !== 200 || cookie === undefined) throw new Error(`POST /api/login answered ${res.status} without a session cookie`)
    return cookie
  }))
  let running = true
  let reads = 0
  let failed = 0
  const reader = async (cookie: string): Promise<void> => {
    while (running) {
      reads += 1
      try {
        const res = await fetch(cluster.lbUrl('/api/session'), { headers: { cookie }, signal: AbortSignal.timeout(5_000) })
        await res.arrayBuffer()
        if (res.status !== 200) failed += 1
      } catch {
        failed += 1
      }
      await sleep(READ_PAUSE_MS)
    }
  }
  const loops = Promise.all(cookies.map(reader))
  let stopped: Promise<{ reads: number, failed: number }> | undefined
  return {
    stop: async () => {
      running = false
      stopped ??= loops.then(() => ({ reads, failed }))
      return await stopped
    }
  }
}

function log (line: string): void {
  process.stdout.write(`screenshots | ${line}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  process.exitCode = 1
})
