// No sticky routing. Round robin sends each reload to the next
// node, and the session comes along to every one of them.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ALICE, addCartItem, cartItems, expect, reloadDashboard, signIn, test } from '../fixtures/index.js'

const RELOADS = 12
/** The README's picture; refreshed by `UPDATE_DOCS_SCREENSHOT=1 npx playwright test -c e2e hops`, so plain runs leave the tree clean. */
const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url))

test('reloading the dashboard hops across every node and stays signed in', async ({ page, cluster }, testInfo) => {
  await signIn(page, ALICE)
  const cart = ['green tea', 'shortbread']
  for (const item of cart) await addCartItem(page, item)

  const servedBy: string[] = []
  for (let i = 0; i < RELOADS; i++) {
    servedBy.push(await reloadDashboard(page, ALICE))
    expect(await cartItems(page), `cart after reload ${i + 1} (served by ${servedBy.at(-1)})`).toEqual(cart)
  }
  expect([...new Set(servedBy)].sort(), `nodes that served the ${RELOADS} reloads: ${servedBy.join(', ')}`).toEqual([...cluster.webNames].sort())

  const hops = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Last hops of this session' }) })
  for (const node of cluster.webNames) await expect(hops.getByRole('cell', { name: node, exact: true }).first()).toBeVisible()

  const screenshot = await page.screenshot({ fullPage: true })
  await testInfo.attach('dashboard', { body: screenshot, contentType: 'image/png' })
  if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
    await mkdir(dirname(DOCS_SCREENSHOT), { recursive: true })
    await writeFile(DOCS_SCREENSHOT, screenshot)
  }
})
