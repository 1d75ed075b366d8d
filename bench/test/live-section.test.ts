import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LIVE_FULL, type LiveBenchResult, type LogoutFigures, type WindowFigures } from '../src/live-bench.js'
import { liveSection } from '../src/live-section.js'

const names = ['web-1', 'web-2', 'web-3', 'lb', 'memcached-a', 'memcached-b']
const each = (v: number): Record<string, number> => Object.fromEntries(names.map((n) => [n, v]))
const counters = { cmd_get: 0, get_hits: 0, get_misses: 0, cmd_set: 0, cmd_touch: 0 }
const window = (sockets: number, cpu: number, gets: number): WindowFigures => ({
  sockets,
  seconds: 20,
  cpuMsPerS: each(cpu),
  memcachedPerS: { ...counters, cmd_get: gets },
  probe: { count: 70, failed: 0, medianMs: 5, maxMs: 40 }
})
const open = { wanted: 300, opened: 300, failures: {}, seconds: 1, perNode: { 'web-1': 100, 'web-2': 100, 'web-3': 100 } }
const logout = (codes: Record<string, number>): LogoutFigures => ({
  idleOpen: 3000, sockets: open, status: 204, requestMs: 40, codes, medianCloseMs: 500, slowestCloseMs: 900, notClosed: 0, idleStillOpen: 3000
})

function result (codes: Record<string, number>): LiveBenchResult {
  return {
    options: LIVE_FULL,
    nodeVersion: 'v26.0.0',
    limits: { lbFdSoftLimit: 20_000, lbFdsAtRest: 27, lbFdsWithSockets: 6_027, capacity: 9_586, limitedBy: undefined, fdSoftLimits: { lb: 20_000 } },
    logins: { count: 8, ms: 1000 },
    clones: { count: 3000, ms: 1000 },
    open: { wanted: 3000, opened: 3000, failures: {}, seconds: 10, perNode: { 'web-1': 1000, 'web-2': 1000, 'web-3': 1000 } },
    baseline: window(0, 10, 40),
    idle: window(3000, 40, 3040),
    rssBefore: each(100 * 2 ** 20),
    rssAfter: each(150 * 2 ** 20),
    closedDuringWindow: {},
    logoutWithIdle: [logout(codes)],
    logoutAlone: [logout({ 4001: 300 })],
    logEvents: {},
    seconds: 100
  }
}

test('the section gives each node its CPU and memory per its own sockets, and memcached reads per 1,000 sockets', () => {
  const text = liveSection(result({ 4001: 300 }), { command: 'node bench/dist/src/main.js live', commit: 'abc1234', machine: ['- Machine: test'] })
  assert.ok(text.startsWith('## Live sessions: WebSockets through our LB\n'))
  // 30 ms/s more over 1,000 sockets on the node; 50 MB over 1,000 sockets = 51.2 KB each
  assert.match(text, /^\| web-1 \| 1,000 \| 100\.0 MB \| 150\.0 MB \| 51\.2 KB \| 10\.0 \| 40\.0 \| 30\.0 \|$/m)
  assert.match(text, /^\| web nodes together \| 3,000 \| 300\.0 MB \| 450\.0 MB \| 51\.2 KB \| 30\.0 \| 120\.0 \| 30\.0 \|$/m)
  assert.match(text, /^\| `cmd_get` \| 40\.0 \| 3,040\.0 \| 1,000\.0 \|$/m)
  assert.match(text, /`node bench\/dist\/src\/main\.js live`.*commit abc1234; Node v26\.0\.0/)
  assert.doesNotMatch(text, /not all 4001/)
})

test('a logout whose sockets did not all close with 4001 is flagged', () => {
  const text = liveSection(result({ 4001: 299, 1006: 1 }), { command: 'x', commit: 'abc1234', machine: [] })
  assert.match(text, /299 × 4001, 1 × 1006 \(\*\*not all 4001\*\*\)/)
})
