// One memcached server freezes (SIGSTOP): its sockets stay open
// but nothing answers. A web node waits at most the server's `timeout` for it,
// then marks it down and uses the other copy, so no page takes longer than
// that timeout, plus slack for the page itself.
import { ALICE, addCartItem, cartItems, expect, expectDashboard, signIn, test, watchFailures } from '../fixtures/index.js'

/**
 * Room for the page itself on a busy two-core machine. Less than one more
 * timeout, so a request that waited for the frozen server twice still fails.
 */
const SLACK_MS = 1_000

for (const victim of ['memcached-1', 'memcached-2']) {
  test(`pages load within the timeout while ${victim} is frozen`, async ({ page, cluster, control }, testInfo) => {
    const failures = watchFailures(page)
    const timeoutMs = cluster.options.sessionServerParams.timeoutS * 1_000
    const boundMs = timeoutMs + SLACK_MS
    await signIn(page, ALICE)
    await addCartItem(page, 'kettle')

    control.freeze(victim)
    const timings: string[] = []
    const slow: string[] = []
    const time = async <T>(what: string, action: () => Promise<T>): Promise<T> => {
      const started = performance.now()
      const result = await action()
      const ms = Math.round(performance.now() - started)
      timings.push(`${what}: ${ms} ms`)
      if (ms > boundMs) slow.push(`${what}: ${ms} ms`)
      return result
    }
    const cart = ['kettle']
    try {
      // Three rounds: each node meets the frozen server on its own.
      for (let i = 1; i <= 3 * cluster.webNames.length; i++) {
        const res = await time(`reload ${i}`, async () => await page.reload())
        const node = await expectDashboard(page, res, ALICE)
        timings[timings.length - 1] += ` (${node})`
        expect(await cartItems(page)).toEqual(cart)
        if (i === cluster.webNames.length) {
          await time('add to cart', async () => await addCartItem(page, 'teapot'))
          cart.push('teapot')
        }
      }
    } finally {
      control.thaw(victim)
      await testInfo.attach('timings', { body: timings.join('\n'), contentType: 'text/plain' })
    }
    expect(slow, `slower than timeout ${timeoutMs} ms + ${SLACK_MS} ms slack; all: ${timings.join(', ')}`).toEqual([])
    expect(failures, 'requests that failed or answered 5xx').toEqual([])
  })
}
