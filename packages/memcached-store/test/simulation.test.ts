// The deterministic simulation as `npm run simulate` runs it (sim/main.ts):
// a few hundred seeds and every schedule that ever failed keep every
// invariant; one seed's history is the same bytes every time; and each
// safety rule, switched off, is caught (sim/break-seeds.json names a seed that
// catches it, found by `npm run simulate -- --seeds 3000 --break NAME`).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../sim/main.js', import.meta.url))
const SIM_DIR = fileURLToPath(new URL('../../sim/', import.meta.url))
/** Seeds npm test runs: the full 3,000 are `npm run simulate -- --seeds 3000`. */
const SEEDS = 300

function simulate (...args: string[]): { status: number | null, lines: string[], stdout: string } {
  // one worker: test files run side by side, and this one must leave the other core to its neighbour
  const run = spawnSync(process.execPath, [MAIN, '--jobs', '1', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (run.error !== undefined) throw run.error
  return { status: run.status, lines: run.stdout.trimEnd().split('\n'), stdout: run.stdout }
}

test(`${SEEDS} seeds and every schedule that ever failed keep every invariant`, () => {
  const regressions = JSON.parse(readFileSync(`${SIM_DIR}regressions.json`, 'utf8')) as unknown[]
  const run = simulate('--seeds', String(SEEDS), '--regressions', `${SIM_DIR}regressions.json`)
  assert.equal(run.lines.at(-1), `simulation: ${SEEDS + regressions.length} runs, 0 violations`, run.stdout.slice(-4000))
  assert.equal(run.status, 0)
})

test('one seed\'s history is the same bytes every time', () => {
  const first = simulate('--seed', '42', '--trace')
  const again = simulate('--seed', '42', '--trace')
  assert.ok(first.lines.some((line) => / add session \d+ \+ i\d+/.test(line)), 'the history holds the requests')
  assert.equal(again.stdout, first.stdout)
})

test('each safety rule switched off is caught', () => {
  const names = simulate('--list-breaks').lines
  for (const required of ['first-replica-cas', 'merge-diverged', 'tombstones', 'refill-before-serving']) assert.ok(names.includes(required), required)
  for (const name of names) assert.match(name, /^[a-z]+(-[a-z]+)*$/)
  const catching = JSON.parse(readFileSync(`${SIM_DIR}break-seeds.json`, 'utf8')) as Record<string, number>
  assert.deepEqual(Object.keys(catching).sort(), [...names].sort(), 'a catching seed for every rule')
  for (const name of names) {
    const run = simulate('--seed', String(catching[name]), '--break', name, '--no-shrink')
    assert.match(run.lines.at(-1) ?? '', /^simulation: 1 runs, [1-9]\d* violations$/, `--break ${name} at seed ${catching[name]}`)
    assert.equal(run.status, 1)
  }
})

test('a failure names its seed, the shrunk schedule and the commands that replay both', () => {
  const catching = JSON.parse(readFileSync(`${SIM_DIR}break-seeds.json`, 'utf8')) as Record<string, number>
  const seed = String(catching.tombstones)
  const run = simulate('--seed', seed, '--break', 'tombstones')
  assert.ok(run.lines.includes(`1 of 1 seeds failed; the first, seed ${seed}:`), run.stdout)
  assert.ok(run.lines.some((line) => line.startsWith('shrunk in ')))
  assert.ok(run.lines.includes(`replay: npm run simulate -- --seed ${seed} --trace --break tombstones`))
  const replay = run.lines.find((line) => line.startsWith('replay the shrunk schedule: '))
  const schedule = /--schedule '(.*)' --trace/.exec(replay ?? '')?.[1]
  assert.ok(schedule !== undefined, 'the shrunk schedule is printed')
  assert.match(simulate('--schedule', schedule, '--break', 'tombstones').lines.at(-1) ?? '', /^simulation: 1 runs, [1-9]\d* violations$/, 'the shrunk schedule still fails')
})
