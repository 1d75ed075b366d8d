// `npm test` runs this suite (npx playwright test -c e2e) after the build.
// Every spec signs in through the real login form of a real local cluster:
// three web nodes, two memcached servers and the LB, as processes
// (fixtures/index.ts).
import { defineConfig } from '@playwright/test'
import { chromiumLaunchOptions } from './fixtures/chromium.js'

export default defineConfig({
  testDir: 'specs',
  outputDir: 'test-results',
  // One worker: each worker runs a cluster of six processes, and the specs
  // check timing bounds (a frozen memcached holds a request at most 1 s) that
  // two clusters on two cores would blur.
  workers: 1,
  fullyParallel: false,
  // A retry would hide exactly the intermittent failures these specs look for.
  retries: 0,
  forbidOnly: process.env.CI !== undefined,
  // Specs wait for restarts and refills (up to retry_interval, 15 s) inside the test.
  timeout: 90_000,
  expect: { timeout: 5_000 },
  reporter: [
    ['list'],
    ['html', { outputFolder: 'playwright-report', open: 'never' }]
  ],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: chromiumLaunchOptions(),
    // Kept for a failed test, with its DOM snapshots but no screencast: the
    // screencast cost every passing test a good share of its time, to be thrown away.
    trace: { mode: 'retain-on-failure', screenshots: false },
    screenshot: 'only-on-failure',
    video: 'off',
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    viewport: { width: 1280, height: 900 }
  }
})
