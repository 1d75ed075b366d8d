// One user, two tabs, two cart items added at the same moment.
// The writes usually land on different nodes; the store orders them with
// cas and merges the loser's addition, so neither item is lost.
import { ALICE, cartItems, expect, expectDashboard, fillCartItem, reloadDashboard, signIn, submitCartItem, test, watchFailures } from '../fixtures/index.js'

const ROUNDS = 3

test('two tabs adding cart items at the same time keep both items', async ({ context, page, cluster }) => {
  const failures = watchFailures(page)
  await signIn(page, ALICE)
  const other = await context.newPage()
  const otherFailures = watchFailures(other)
  await expectDashboard(other, await other.goto('/'), ALICE)

  const expected: string[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const left = `left tab ${round}`
    const right = `right tab ${round}`
    await fillCartItem(page, left)
    await fillCartItem(other, right)
    await Promise.all([submitCartItem(page, left), submitCartItem(other, right)])
    expected.push(left, right)
    for (const tab of [page, other]) {
      await reloadDashboard(tab, ALICE)
      expect((await cartItems(tab)).sort(), `cart after round ${round}`).toEqual([...expected].sort())
    }
  }

  // Every node reads the merged cart.
  for (let i = 0; i < cluster.webNames.length; i++) {
    const node = await reloadDashboard(page, ALICE)
    expect((await cartItems(page)).sort(), `cart served by ${node}`).toEqual([...expected].sort())
  }
  expect([...failures, ...otherFailures], 'requests that failed or answered 5xx').toEqual([])
})
