// Session fixation. Signing in never keeps the session id the
// browser had before: a cookie planted before the login is replaced, and the
// planted id is dead afterwards, even when it named a real session.
import type { BrowserContext } from '@playwright/test'
import { ALICE, BOB, SESSION_COOKIE, expect, expectLoginPage, signIn, test } from '../fixtures/index.js'

async function sessionCookie (context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies()).find((c) => c.name === SESSION_COOKIE)?.value
}

test('signing in replaces the pre-login session cookie, and the old one is dead', async ({ browser, context, page, cluster }) => {
  await expectLoginPage(page, await page.goto('/login'))
  let before = await sessionCookie(context)
  if (before === undefined) {
    // Anonymous visits store no session (saveUninitialized off), so there is
    // none to fixate: plant one, shaped like a signed cookie.
    before = 'planted-session-id.c2lnbmF0dXJlLW9mLW5vdGhpbmctYXQtYWxs'
    await context.addCookies([{ name: SESSION_COOKIE, value: before, url: cluster.lbUrl('/') }])
  }
  await signIn(page, ALICE)
  const after = await sessionCookie(context)
  expect(after, 'session cookie after sign-in').toBeDefined()
  expect(after).not.toBe(before)

  const replay = await browser.newContext()
  try {
    await replay.addCookies([{ name: SESSION_COOKIE, value: before, url: cluster.lbUrl('/') }])
    const replayPage = await replay.newPage()
    await expectLoginPage(replayPage, await replayPage.goto('/'))
  } finally {
    await replay.close()
  }
})

test('a real session id planted before sign-in is replaced and ends', async ({ browser, page, context }) => {
  const attacker = await browser.newContext()
  try {
    const attackerPage = await attacker.newPage()
    await signIn(attackerPage, BOB)
    const planted = (await attacker.cookies()).filter((c) => c.name === SESSION_COOKIE)
    expect(planted, "the attacker's session cookie").toHaveLength(1)

    await context.addCookies(planted)
    await signIn(page, ALICE)
    const after = await sessionCookie(context)
    expect(after, 'session cookie after sign-in').toBeDefined()
    expect(after).not.toBe(planted[0]?.value)

    // The attacker's id never becomes alice's session; it is gone. The
    // attacker's open dashboard learns it from its live channel (4001) and
    // goes to the login page by itself; a fresh load is the login page too.
    await attackerPage.waitForURL((url) => url.pathname === '/login')
    const res = await attackerPage.goto('/')
    await expect(attackerPage.locator('body')).not.toContainText('Signed in as alice')
    await expectLoginPage(attackerPage, res)
  } finally {
    await attacker.close()
  }
})
