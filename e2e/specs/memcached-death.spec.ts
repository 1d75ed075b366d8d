// One memcached server dies (SIGKILL). Every session has a copy
// on the other, so the user stays signed in and keeps every cart item added
// before and after the death. Run once for each server.
import { ALICE, addCartItem, cartItems, expect, reloadDashboard, signIn, test, watchFailures } from '../fixtures/index.js'

for (const victim of ['memcached-1', 'memcached-2']) {
  test(`killing ${victim} keeps the user signed in and the cart whole`, async ({ page, cluster, control }) => {
    const failures = watchFailures(page)
    await signIn(page, ALICE)
    const before = ['apples', 'pears']
    for (const item of before) await addCartItem(page, item)

    const exit = await control.kill(victim)
    expect(exit.signal).toBe('SIGKILL')

    for (let i = 0; i < cluster.webNames.length; i++) {
      await reloadDashboard(page, ALICE)
      expect(await cartItems(page)).toEqual(before)
    }
    const after = ['plums', 'cherries']
    for (const item of after) await addCartItem(page, item)

    const servedBy: string[] = []
    for (let i = 0; i < 2 * cluster.webNames.length; i++) {
      servedBy.push(await reloadDashboard(page, ALICE))
      expect(await cartItems(page), `cart on reload ${i + 1}, served by ${servedBy.at(-1)}`).toEqual([...before, ...after])
    }
    expect([...new Set(servedBy)].sort()).toEqual([...cluster.webNames].sort())
    expect(failures, 'requests that failed or answered 5xx').toEqual([])
  })
}
