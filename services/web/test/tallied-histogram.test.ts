import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Histogram, Registry } from 'prom-client'
import { TalliedHistogram } from '../src/tallied-histogram.js'

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const LABELS = ['method', 'route', 'status_code'] as const
const OPTIONS = { name: 'http_request_duration_seconds', help: 'Time from request to response', labelNames: LABELS, buckets: BUCKETS }

/** Two registries with the node label, one holding prom-client's Histogram and one ours, both fed the same observations. */
function pair (): { theirs: Registry, ours: Registry, observe: (labels: Record<typeof LABELS[number], string>, value: number) => void, reset: () => void } {
  const theirs = new Registry()
  const ours = new Registry()
  for (const r of [theirs, ours]) r.setDefaultLabels({ node: 'web-1' })
  const histogram = new Histogram({ ...OPTIONS, labelNames: [...LABELS], registers: [theirs] })
  const tallied = new TalliedHistogram({ ...OPTIONS, registers: [ours] })
  const recorders = new Map<string, { observe: (v: number) => void }>()
  return {
    theirs,
    ours,
    observe (labels, value) {
      histogram.labels(labels).observe(value)
      const key = JSON.stringify(labels)
      let recorder = recorders.get(key)
      if (recorder === undefined) {
        recorder = tallied.labels(labels)
        recorders.set(key, recorder)
      }
      recorder.observe(value)
    },
    reset () {
      histogram.reset()
      tallied.reset()
    }
  }
}

/** A seeded generator (mulberry32), so a failure is the same on every run. */
function random (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test('the text exposition is the same as prom-client\'s Histogram for the same observations', async () => {
  const { theirs, ours, observe } = pair()
  const next = random(7)
  const routes = ['/healthz', '/api/session', '/api/cart', 'not_found']
  for (let i = 0; i < 5_000; i++) {
    const labels = { method: next() < 0.8 ? 'GET' : 'POST', route: routes[Math.floor(next() * routes.length)]!, status_code: next() < 0.9 ? '200' : '401' }
    // every bucket, values on the bounds themselves, and past the last one
    const value = next() < 0.1 ? BUCKETS[Math.floor(next() * BUCKETS.length)]! : next() ** 4 * 12
    observe(labels, value)
  }
  const text = await ours.metrics()
  assert.equal(text, await theirs.metrics())
  assert.match(text, /http_request_duration_seconds_count\{node="web-1",method="GET",route="\/healthz",status_code="200"\} \d+/)
  assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON())
})

test('nothing observed, nothing exported; after a reset, only what was observed since', async () => {
  const { theirs, ours, observe, reset } = pair()
  assert.equal(await ours.metrics(), await theirs.metrics())
  observe({ method: 'GET', route: '/a', status_code: '200' }, 0.002)
  reset()
  observe({ method: 'GET', route: '/a', status_code: '200' }, 0.3)
  assert.equal(await ours.metrics(), await theirs.metrics())
})

test('a value that is not a finite number is not recorded and does not throw', async () => {
  const ours = new Registry()
  const tallied = new TalliedHistogram({ ...OPTIONS, registers: [ours] })
  const recorder = tallied.labels({ method: 'GET', route: '/a', status_code: '200' })
  recorder.observe(Number.NaN)
  recorder.observe(Number.POSITIVE_INFINITY)
  recorder.observe(0.01)
  assert.match(await ours.metrics(), /_count\{method="GET",route="\/a",status_code="200"\} 1\n/)
})
