// The LB's admin status page (lbAdmin port): every web node, in rotation.
import { ALICE, expect, signIn, test } from '../fixtures/index.js'

test('the LB status page lists every web node', async ({ page, cluster }, testInfo) => {
  await signIn(page, ALICE)
  const res = await page.goto(cluster.lbAdminUrl('/status'))
  expect(res?.status()).toBe(200)
  for (const node of cluster.webNames) {
    await expect(page.locator('#nodes').getByRole('cell', { name: node, exact: true })).toBeVisible()
  }
  const status = await (await fetch(cluster.lbAdminUrl('/status.json'))).json() as { upstreams: Array<{ name: string, inRotation: boolean }> }
  expect(status.upstreams.filter((u) => u.inRotation).map((u) => u.name).sort()).toEqual([...cluster.webNames].sort())
  await testInfo.attach('lb status page', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' })
})
