// Every memcached server is down. The login page still renders
// (it stores nothing), signing in answers a clear 503 page, a signed-in
// request answers 503 too (never 500), and everything recovers once the
// servers are back.
import { ALICE, BOB, expect, expectLoginPage, signIn, submitLogin, test } from '../fixtures/index.js'

test('with every memcached server down, the login page renders and signing in says the service is unavailable', async ({ browser, page, cluster, control }) => {
  const earlier = await browser.newContext()
  try {
    const earlierPage = await earlier.newPage()
    await signIn(earlierPage, BOB)

    for (const name of cluster.memcachedNames) await control.kill(name)

    for (const url of [cluster.lbUrl('/login'), ...cluster.webNames.map((node) => cluster.webUrl(node, '/login'))]) {
      await expectLoginPage(page, await page.goto(url))
    }
    await expectLoginPage(page, await page.goto('/login'))
    const answer = await submitLogin(page, ALICE)
    expect(answer.status(), 'POST /login with every memcached server down').toBe(503)
    await expect(page.getByRole('heading', { level: 1 })).toContainText('503')
    await expect(page.locator('body')).toContainText(/session service is unavailable/i)

    // A request carrying a session cookie cannot be answered either: 503, not 500.
    for (let i = 0; i < cluster.webNames.length; i++) {
      const res = await earlierPage.reload()
      expect(res?.status(), 'a signed-in reload with every memcached server down').toBe(503)
      await expect(earlierPage.locator('body')).toContainText(/unavailable/i)
    }

    // Both servers come back (empty) and every node has probed them again.
    await control.restoreAll()
    await signIn(page, ALICE)
    // bob's session lived only in the memcached servers that restarted empty.
    await expectLoginPage(earlierPage, await earlierPage.goto('/'))
  } finally {
    await earlier.close()
  }
})
