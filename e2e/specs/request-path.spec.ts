// The dashboard's "This request" panel draws the path a request took, from
// the Server-Timing entries the browser saw: the LB, its attempt on a node,
// the node and its memcached reads; after a cart write, that write's path
// with its memcached writes.
import { ALICE, addCartItem, expect, signIn, test } from '../fixtures/index.js'

test('"This request" shows the LB, the attempt, the node and memcached, with times, for the page and then for a cart write', async ({ page }) => {
  await signIn(page, ALICE)
  const path = page.locator('#request-path')
  await expect(path).toContainText('this page')
  await expect(path).toContainText('through the load balancer')
  for (const hop of ['lb', 'attempt', 'node', 'store-read']) {
    await expect(path.locator(`[data-hop="${hop}"]`), `the ${hop} step`).not.toHaveCount(0)
  }
  const nodeStep = path.locator('[data-hop="node"] .path-time')
  await expect(nodeStep).toHaveText(/^\d+(\.\d)? ms$/)

  await addCartItem(page, 'path-probe')
  await expect(path).toContainText('the last cart write')
  await expect(path.locator('[data-hop="store-write"]'), 'the write\'s memcached writes').toHaveCount(1)
  await expect(path.locator('[data-hop="store-write"] .path-label')).toContainText('commands')
})
