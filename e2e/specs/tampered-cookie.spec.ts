// A session cookie that was tampered with, or is plain garbage,
// is "no session": the login page (401 from the API), never a 500, whichever
// node answers. The real session is unharmed.
import { ALICE, SESSION_COOKIE, expect, expectLoginPage, reloadDashboard, signIn, test, watchFailures } from '../fixtures/index.js'

function flipLast (value: string): string {
  const last = value.at(-1) ?? 'A'
  return value.slice(0, -1) + (last === 'A' ? 'B' : 'A')
}

test('a tampered or garbage session cookie gets the login page, never a 500', async ({ browser, context, page, cluster }) => {
  await signIn(page, ALICE)
  const real = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)?.value
  if (real === undefined) throw new Error('no session cookie after sign-in')
  const dot = real.lastIndexOf('.')
  const variants: Record<string, string> = {
    'signature changed': flipLast(real),
    'id changed': dot > 0 ? `${flipLast(real.slice(0, dot))}${real.slice(dot)}` : `x${real}`,
    'signature removed': dot > 0 ? real.slice(0, dot) : real.slice(1),
    'signature only': dot > 0 ? real.slice(dot) : '.x',
    garbage: 'garbage',
    'bad percent-encoding': '%E0%A4%A',
    dots: '...',
    json: '{"user":"alice"}',
    'very long': 'A'.repeat(3_000)
  }

  // Through the LB, whose round robin spreads the probes over every node
  // (x-served-by says which answered); these cookies and more go over plain
  // HTTP in the cluster tests' bad-input.test.ts.
  const probe = await browser.newContext()
  const answeredBy = new Set<string>()
  try {
    const probePage = await probe.newPage()
    const failures = watchFailures(probePage)
    // Every answer, the 303 from / and the /login page it leads to alike.
    probePage.on('response', (res) => { answeredBy.add(res.headers()['x-served-by'] ?? 'none') })
    const url = cluster.lbUrl('/')
    for (const [kind, value] of Object.entries(variants)) {
      await probe.clearCookies()
      await probe.addCookies([{ name: SESSION_COOKIE, value, url }])
      await test.step(`${kind} cookie`, async () => {
        await expectLoginPage(probePage, await probePage.goto(url))
      })
      await probe.clearCookies()
      await probe.addCookies([{ name: SESSION_COOKIE, value, url }])
      const api = await probe.request.get(new URL('/api/session', url).toString())
      expect(api.status(), `GET /api/session with a ${kind} cookie`).toBe(401)
      answeredBy.add(api.headers()['x-served-by'] ?? 'none')
    }
    expect(failures, 'requests that failed or answered 5xx').toEqual([])
  } finally {
    await probe.close()
  }
  expect([...answeredBy].sort(), 'the nodes that answered the tampered cookies').toEqual([...cluster.webNames].sort())
  // Tampering with a copy does not end the real session.
  await reloadDashboard(page, ALICE)
})
