// Logout destroys the session on every memcached server. The
// other tab of the same browser goes to the login page by itself, and it and
// a copy of the cookie replayed from a new browser context get the login
// page from every node.
import { ALICE, SESSION_COOKIE, expect, expectDashboard, expectLoginPage, signIn, test } from '../fixtures/index.js'

test('after logout in one tab, the other tab and a replayed cookie get the login page on every node', async ({ browser, context, page, cluster }) => {
  await signIn(page, ALICE)
  const other = await context.newPage()
  await expectDashboard(other, await other.goto('/'), ALICE)
  const copied = await context.cookies()
  expect(copied.map((c) => c.name), 'cookies after sign-in').toContain(SESSION_COOKIE)

  await page.getByRole('button', { name: 'Log out' }).click()
  await page.waitForURL((url) => url.pathname === '/login')
  await expectLoginPage(page)

  // The other tab's live channel tells it (4001) and it goes to the login
  // page by itself; then every node, asked directly, says the same.
  await other.waitForURL((url) => url.pathname === '/login')
  await expectLoginPage(other)
  for (const node of cluster.webNames) {
    await expectLoginPage(other, await other.goto(cluster.webUrl(node, '/')))
  }

  const replay = await browser.newContext()
  try {
    const replayPage = await replay.newPage()
    // The cookie again before every visit: a node clearing it must not make the next check pass by default.
    const targets: Array<[string, string]> = [['lb', cluster.lbUrl('/')], ...cluster.webNames.map((node): [string, string] => [node, cluster.webUrl(node, '/')])]
    for (const [name, url] of targets) {
      await replay.clearCookies()
      await replay.addCookies(copied)
      await expectLoginPage(replayPage, await replayPage.goto(url))
      await replay.clearCookies()
      await replay.addCookies(copied)
      const api = await replay.request.get(new URL('/api/session', url).toString())
      expect(api.status(), `GET /api/session on ${name} with the logged-out cookie`).toBe(401)
      expect(await api.json()).toMatchObject({ authenticated: false })
    }
  } finally {
    await replay.close()
  }
})
