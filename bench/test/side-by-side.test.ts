import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CaseStats } from '../src/http-bench.js'
import { beforeId, sideBySideGoals, sideBySideSection } from '../src/side-by-side.js'

const stats = (id: string, rps: number, serverCpuUs: number, badStatus = 0): CaseStats => ({
  id, label: `label of ${id}`, connections: 50, runs: 3, rps, p50Ms: 1, p99Ms: 2, maxMs: 3, serverCpuUs, toolCpuUs: 10, roundRps: [rps, rps, rps], requests: 1000, socketErrors: 0, badStatus
})

/** Our build and the one before, with round figures: each goal ratio of either build is easy to state. */
function cases (): Record<string, CaseStats> {
  const out: Record<string, CaseStats> = {}
  const put = (id: string, now: [number, number], before?: [number, number]): void => {
    out[id] = stats(id, ...now)
    if (before !== undefined) out[beforeId(id)] = stats(beforeId(id), ...before)
  }
  put('tool:wrk-t1', [20_000, 30])
  put('node:read-2', [14_000, 50], [10_000, 70])
  put('node:read-1', [15_000, 45], [11_000, 65])
  put('node:write-2', [9_000, 80], [6_000, 120])
  put('node:write-1', [10_000, 70], [8_000, 100])
  put('size:200 B', [12_000, 55], [10_000, 60])
  put('size:4 KB', [9_000, 70], [7_000, 80])
  put('node:healthz', [18_000, 35], [18_000, 35])
  return out
}

test('each goal ratio is taken within one build, with the /hello baseline shared by both', () => {
  const goals = sideBySideGoals(cases())
  assert.deepEqual(goals.map((g) => [g.goal, g.before, g.now, g.min]), [
    ['cart write 2 replicas vs 1 replica', 0.75, 0.9, 0.85],
    ['signed-in read (2 replicas) vs /hello', 0.5, 0.7, 0.6],
    ['4 KB vs 200 B session', 0.7, 0.75, 0.8]
  ])
})

test('the section has one row per twin case with both builds\' req/s and CPU and their ratios, then the goals of both', () => {
  const text = sideBySideSection(cases(), { before: 'abc1234', now: 'def5678' })
  assert.ok(text.startsWith('### The change, side by side with the code before\n'))
  assert.match(text, /commit abc1234\) ran beside ours \(commit def5678\)/)
  assert.match(text, /^\| label of node:write-2 \| 6,000 \| 9,000 \| 1\.50× \| 120 \| 80 \| 0\.67× \|$/m)
  assert.match(text, /^\| label of size:4 KB \| 7,000 \| 9,000 \| 1\.29× \| 80 \| 70 \| 0\.88× \|$/m)
  assert.match(text, /^\| label of node:healthz \| 18,000 \| 18,000 \| 1\.00× \| 35 \| 35 \| 1\.00× \|$/m)
  assert.equal(text.match(/^\| label of /gm)?.length, 7, 'the /hello baseline is no twin')
  assert.match(text, /^\| cart write 2 replicas vs 1 replica \| 0\.75× \| 0\.90× \| ≥ 0\.85× \|$/m)
  assert.match(text, /^\| signed-in read \(2 replicas\) vs \/hello \| 0\.50× \| 0\.70× \| ≥ 0\.6× \|$/m)
  assert.match(text, /^\| 4 KB vs 200 B session \| 0\.70× \| 0\.75× \| ≥ 0\.8× \|$/m)
})

test('a twin with failed requests says so in its row, and a case without a twin has no row', () => {
  const c = cases()
  c[beforeId('node:read-1')] = stats(beforeId('node:read-1'), 11_000, 65, 12)
  delete c[beforeId('size:4 KB')]
  const text = sideBySideSection(c, { before: 'a', now: 'b' })
  assert.match(text, /^\| label of node:read-1 \(\*\*errors before: 12\*\*\) \| 11,000 \|/m)
  assert.doesNotMatch(text, /label of size:4 KB/)
  assert.match(text, /^\| 4 KB vs 200 B session \| – \| 0\.75× \|/m)
})

test('no section without cases on the code before', () => {
  const ours = Object.fromEntries(Object.entries(cases()).filter(([id]) => !id.startsWith('before:')))
  assert.equal(sideBySideSection(ours, { before: 'a', now: 'b' }), '')
})
