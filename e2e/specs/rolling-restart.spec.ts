// A graceful rolling restart. Each node in turn gets SIGTERM
// (its /healthz turns 503, the LB takes it out, it finishes what it holds and
// exits), is started again and rejoins, while the user keeps reloading and
// adding to the cart: no request may fail, GET or POST.
import { ALICE, addCartItem, cartItems, expect, reloadDashboard, signIn, test, watchFailures } from '../fixtures/index.js'

/** Every this many reloads the loop also adds a cart item (a POST through the LB). */
const POST_EVERY = 4

test('a rolling SIGTERM restart of every node fails no reload', async ({ page, cluster, control }) => {
  const failures = watchFailures(page)
  await signIn(page, ALICE)

  const servedBy: string[] = []
  const added: string[] = []
  let rolling = true
  let loopError: unknown
  const loop = (async () => {
    while (rolling) {
      servedBy.push(await reloadDashboard(page, ALICE))
      if (servedBy.length % POST_EVERY === 0) {
        const item = `item ${added.length + 1}`
        await addCartItem(page, item)
        added.push(item)
      }
    }
  })().catch((err: unknown) => { loopError = err })

  const exits: string[] = []
  try {
    for (const node of cluster.webNames) {
      if (loopError !== undefined) break
      const exit = await control.kill(node, 'SIGTERM')
      exits.push(`${node}: code ${exit.code}, signal ${exit.signal}`)
      await control.restart(node)
      await cluster.waitForRotation([node])
    }
  } finally {
    rolling = false
    await loop
  }
  if (loopError !== undefined) throw loopError instanceof Error ? loopError : new Error(JSON.stringify(loopError))

  // A drained node exits on its own, cleanly, rather than being killed by the signal.
  expect(exits).toEqual(cluster.webNames.map((node) => `${node}: code 0, signal null`))
  expect(servedBy.length, 'reloads during the rolling restart').toBeGreaterThanOrEqual(3 * cluster.webNames.length)
  expect(failures, 'requests that failed or answered 5xx').toEqual([])
  // Every 2xx cart write is visible on the next request.
  await reloadDashboard(page, ALICE)
  expect(await cartItems(page)).toEqual(added)
})
