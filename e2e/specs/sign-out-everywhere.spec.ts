// Your sessions, and sign out everywhere: a user signed in from two browsers
// sees both sessions on the dashboard, this browser marked; "Sign out
// everywhere" in one sends the other to the login page on every node.
import { ALICE, expect, expectDashboard, expectLoginPage, signIn, test } from '../fixtures/index.js'

test('two browsers of one user see both sessions; signing out everywhere from one ends the other on every node', async ({ browser, page, cluster }) => {
  const other = await browser.newContext()
  try {
    // The suite shares one cluster, and earlier specs left sessions of alice:
    // end them all first, so the list holds exactly this spec's two.
    await signIn(page, ALICE)
    await page.getByRole('button', { name: 'Sign out everywhere' }).click()
    await page.waitForURL((url) => url.pathname === '/login')

    const otherPage = await other.newPage()
    await signIn(otherPage, ALICE)
    await signIn(page, ALICE)
    await expectDashboard(page, await page.reload(), ALICE)

    const rows = page.locator('#your-sessions tbody tr')
    await expect(rows, 'both sessions are listed').toHaveCount(2)
    await expect(page.locator('#your-sessions tr.current'), 'exactly one row is this browser').toHaveCount(1)
    await expect(page.locator('#your-sessions tr.current')).toContainText('this browser')
    await expect(page.locator('#your-sessions'), 'a browser summary, not the raw header').toContainText('Chrome')

    // The other browser sees the same two, with itself marked, on every node.
    for (const node of cluster.webNames) {
      await expectDashboard(otherPage, await otherPage.goto(cluster.webUrl(node, '/')), ALICE)
      await expect(otherPage.locator('#your-sessions tbody tr'), `the list on ${node}`).toHaveCount(2)
      await expect(otherPage.locator('#your-sessions tr.current'), `this browser on ${node}`).toHaveCount(1)
    }

    const otherCookies = await other.cookies()
    await page.getByRole('button', { name: 'Sign out everywhere' }).click()
    await page.waitForURL((url) => url.pathname === '/login')
    await expectLoginPage(page)
    // The other browser's open dashboard is told by its live channel (4001).
    await otherPage.waitForURL((url) => url.pathname === '/login')

    // The other browser's cookie again before every visit: a node clearing it
    // must not make the next check pass by default.
    for (const url of [cluster.lbUrl('/'), ...cluster.webNames.map((node) => cluster.webUrl(node, '/'))]) {
      await other.clearCookies()
      await other.addCookies(otherCookies)
      await expectLoginPage(otherPage, await otherPage.goto(url))
    }
  } finally {
    await other.close()
  }
})
