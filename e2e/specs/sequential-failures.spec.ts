// Two failures in a row. memcached-1 restarts empty and is
// refilled from memcached-2; only then does memcached-2 die. A user who made
// no request through all of it (so nothing was repaired on their behalf) is
// still signed in, with their cart.
import { ALICE, addCartItem, cartItems, expect, reloadDashboard, signIn, test, watchFailures } from '../fixtures/index.js'

/** The contract: a server that restarts empty is refilled from its peers within 20 s. */
const REFILL_BOUND_MS = 20_000

test('an idle user survives a restart of one memcached server and, after the refill, the death of the other', async ({ browser, cluster, control }, testInfo) => {
  const idle = await browser.newContext()
  try {
    const page = await idle.newPage()
    const failures = watchFailures(page)
    await signIn(page, ALICE)
    await addCartItem(page, 'compass')
    // From here on this user sends nothing until memcached-2 is dead.

    const restartedAt = Date.now()
    await control.restart('memcached-1')
    await control.waitForRefill()
    const refillMs = Date.now() - restartedAt
    testInfo.annotations.push({ type: 'refill', description: `memcached-1 restarted and refilled on every node in ${refillMs} ms` })
    expect(refillMs, 'restart of memcached-1 until every web node reports it refilled (up)').toBeLessThanOrEqual(REFILL_BOUND_MS)

    const exit = await control.kill('memcached-2')
    expect(exit.signal).toBe('SIGKILL')

    const servedBy: string[] = []
    for (let i = 0; i < 2 * cluster.webNames.length; i++) {
      servedBy.push(await reloadDashboard(page, ALICE))
      expect(await cartItems(page), `cart on reload ${i + 1}, served by ${servedBy.at(-1)}`).toEqual(['compass'])
    }
    expect([...new Set(servedBy)].sort()).toEqual([...cluster.webNames].sort())
    expect(failures, 'requests that failed or answered 5xx').toEqual([])
  } finally {
    await idle.close()
  }
})
