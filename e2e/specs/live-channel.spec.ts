// The live channel in a real browser, with no reload anywhere: a cart item
// added in one browser appears in another of the same session; the node
// holding the socket dies and the page reconnects to another one, still
// signed in; sign out everywhere and ending one session from the list send
// the affected browser to the login page.
import type { BrowserContext, Page } from '@playwright/test'
import { ALICE, addCartItem, cartItems, expect, signIn, test } from '../fixtures/index.js'

/** The contract's bound on closing an ended session's sockets (4001 within 2 s); the page then navigates. */
const ENDED_BOUND_MS = 2_000

/** Marks the page's document: a reload or navigation replaces it, so the mark is gone. */
async function markDocument (page: Page): Promise<void> {
  await page.evaluate(() => { (window as unknown as { liveMark?: number }).liveMark = 1 })
}

async function expectNoReload (page: Page, what: string): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { liveMark?: number }).liveMark), `${what}: the page was not reloaded`).toBe(1)
}

const liveStatus = (page: Page) => page.locator('#live-status')

async function liveNode (page: Page): Promise<string> {
  await expect(liveStatus(page)).toHaveAttribute('data-state', 'open')
  return await liveStatus(page).getAttribute('data-node') ?? ''
}

/** A second browser holding the same session (the cookies of `page`'s context), on the dashboard. */
async function sameSessionElsewhere (context: BrowserContext, from: BrowserContext): Promise<Page> {
  await context.addCookies(await from.cookies())
  const page = await context.newPage()
  await page.goto('/')
  await expect(liveStatus(page)).toHaveAttribute('data-state', 'open')
  return page
}

test('a cart item added in browser B appears in browser A without a reload', async ({ browser, page }) => {
  const other = await browser.newContext()
  try {
    await signIn(page, ALICE)
    await liveNode(page)
    await markDocument(page)
    const otherPage = await sameSessionElsewhere(other, page.context())
    await addCartItem(otherPage, 'live-lantern')
    await expect.poll(async () => await cartItems(page), { message: 'the item reached browser A' }).toContain('live-lantern')
    await expectNoReload(page, 'browser A')
  } finally {
    await other.close()
  }
})

test('the node holding the socket is SIGKILLed: the page reconnects to another node and stays signed in, without a reload', async ({ page, control, cluster }) => {
  await signIn(page, ALICE)
  const victim = await liveNode(page)
  expect(cluster.webNames).toContain(victim)
  await markDocument(page)

  const exit = await control.kill(victim)
  expect(exit.signal).toBe('SIGKILL')
  await expect.poll(async () => await liveStatus(page).getAttribute('data-node'), { message: 'the socket moved to another node', timeout: 15_000 }).not.toBe(victim)
  await expect(liveStatus(page)).toHaveAttribute('data-state', 'open')
  await expectNoReload(page, 'after the reconnect')
  expect(new URL(page.url()).pathname).toBe('/')
  // Still signed in: a cart write from the page works and comes back live.
  await addCartItem(page, 'after-the-kill')
  await expectNoReload(page, 'after a cart write')
})

test('sign out everywhere from browser B sends browser A to the login page within 2 s, without a reload', async ({ browser, page }) => {
  const other = await browser.newContext()
  try {
    await signIn(page, ALICE)
    await liveNode(page)
    const otherPage = await other.newPage()
    await signIn(otherPage, ALICE)
    await otherPage.getByRole('button', { name: 'Sign out everywhere' }).click()
    await otherPage.waitForURL((url) => url.pathname === '/login')
    await page.waitForURL((url) => url.pathname === '/login', { timeout: ENDED_BOUND_MS })
  } finally {
    await other.close()
  }
})

test('ending one session from the list sends that browser to the login page and leaves the other signed in', async ({ browser, page }) => {
  const other = await browser.newContext()
  try {
    const otherPage = await other.newPage()
    await signIn(otherPage, ALICE)
    await liveNode(otherPage)
    await signIn(page, ALICE)
    await liveNode(page)

    // The other browser's row: a row of the list that is not this browser's,
    // and the newest such one (the list is newest first).
    const row = page.locator('#your-sessions tbody tr:not(.current)').first()
    await expect(row).toBeVisible()
    // The form answers 303 to / once the session is ended everywhere.
    const [answer] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'POST' && /\/sessions\/[^/]+\/logout$/.test(new URL(res.url()).pathname)),
      row.getByRole('button', { name: 'Sign out', exact: true }).click()
    ])
    expect(answer.status()).toBe(303)
    await otherPage.waitForURL((url) => url.pathname === '/login', { timeout: ENDED_BOUND_MS })

    // This browser: still signed in, its socket open again, on the dashboard.
    await expect(page.locator('header')).toContainText(`Signed in as ${ALICE.username}`)
    await liveNode(page)
  } finally {
    await other.close()
  }
})
