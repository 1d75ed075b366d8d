// A web node dies (SIGKILL, no drain). The LB sends requests that
// could not reach it to another node, so the user sees nothing; once
// restarted, the node rejoins the rotation and serves the same session.
import { ALICE, addCartItem, cartItems, expect, reloadDashboard, signIn, test, watchFailures } from '../fixtures/index.js'

const VICTIM = 'web-2'

test('a killed web node fails no reload, and serves the user again once restarted', async ({ page, cluster, control }) => {
  const failures = watchFailures(page)
  await signIn(page, ALICE)
  await addCartItem(page, 'umbrella')

  const exit = await control.kill(VICTIM)
  expect(exit.signal).toBe('SIGKILL')

  const survivors = cluster.webNames.filter((n) => n !== VICTIM)
  const servedBy: string[] = []
  for (let i = 0; i < 3 * cluster.webNames.length; i++) {
    const node = await reloadDashboard(page, ALICE)
    expect(node, `reload ${i + 1} was served by the dead node`).not.toBe(VICTIM)
    expect(await cartItems(page)).toEqual(['umbrella'])
    servedBy.push(node)
  }
  expect([...new Set(servedBy)].sort(), `served by: ${servedBy.join(', ')}`).toEqual(survivors.sort())

  // restart() resolves once the node answers /healthz directly and through the LB.
  await control.restart(VICTIM)
  const afterRestart: string[] = []
  while (!afterRestart.includes(VICTIM) && afterRestart.length < 2 * cluster.webNames.length) {
    afterRestart.push(await reloadDashboard(page, ALICE))
    expect(await cartItems(page)).toEqual(['umbrella'])
  }
  expect(afterRestart, `${VICTIM} did not serve the user after its restart`).toContain(VICTIM)
  expect(failures, 'requests that failed or answered 5xx').toEqual([])
})
