// npm run simulate -- --seeds N | --seed S [--trace] | --schedule JSON [--trace]
//                     | --list-breaks | --break NAME
// Runs the store's deterministic simulation (run.ts) on the schedule
// fast-check generates from each seed, seeds split over worker processes;
// the first failing seed is shrunk to its smallest schedule. The last line is
// `simulation: <N> runs, <V> violations`.
import { fork } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import fc from 'fast-check'
import { SAFETY_RULES, type SafetyRule } from '../src/policy/safety-rules.js'
import type { Violation } from './history.js'
import { runSchedule } from './run.js'
import { scheduleArbitrary, scheduleOf, type Schedule } from './schedule.js'

const USAGE = `usage: npm run simulate -- [--seeds N] [--from S] [--seed S] [--schedule JSON] [--trace] [--list-breaks] [--break NAME] [--regressions FILE] [--jobs J]
  --seeds N         run N seeds (from --from, default 1)
  --seed S          run seed S alone
  --schedule JSON   run one schedule as printed after a failure (a shrunk one)
  --trace           print the run's history (with --seed or --schedule)
  --list-breaks     print the safety rules that --break can switch off
  --break NAME      run with that safety rule off: the simulation must find violations
  --regressions F   also run every schedule listed in F (JSON: [{ "found", "seed", "schedule" }]), as sim/regressions.json
  --jobs J          worker processes (default: one per core, at most 4)
  --no-shrink       report a failure without shrinking it`

/** Runs a shrink may try before it settles for the smallest schedule found so far: a bound, so a failure's report comes in seconds. */
const MAX_SHRINK_RUNS = 400

/** A schedule that once failed, what it found, and the seed that made it then. */
interface Regression {
  readonly found: string
  readonly seed: number
  readonly schedule: Schedule
}

interface SeedResult {
  readonly seed: number
  readonly violations: readonly Violation[]
}

function fail (message: string): never {
  console.error(`${message}\n${USAGE}`)
  process.exit(2)
}

function count (text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) fail(`${name} must be a whole number, got ${text}`)
  return n
}

/** The smallest schedule fast-check finds that still fails, from the seed's own (fast-check's first value for the seed, as scheduleOf). */
async function shrink (seed: number, broken: readonly SafetyRule[]): Promise<{ smallest: Schedule | undefined, steps: number }> {
  let runs = 0
  const details = await fc.check(fc.asyncProperty(scheduleArbitrary, async (s) => {
    if (runs++ > MAX_SHRINK_RUNS) return true
    return (await runSchedule(s, broken)).violations.length === 0
  }), { seed, numRuns: 1 })
  return { smallest: details.counterexample?.[0], steps: details.numShrinks }
}

/** Runs seeds here, or in `jobs` child processes, and gives the results in seed order. */
async function runSeeds (seeds: readonly number[], broken: readonly SafetyRule[], jobs: number, trace: boolean): Promise<SeedResult[]> {
  if (jobs <= 1 || seeds.length < 2 || trace) {
    const out: SeedResult[] = []
    for (const seed of seeds) {
      const result = await runSchedule(scheduleOf(seed), broken)
      if (trace) for (const line of result.trace) console.log(line)
      out.push({ seed, violations: result.violations })
    }
    return out
  }
  const slices = Array.from({ length: jobs }, (_, j) => seeds.filter((_, i) => i % jobs === j)).filter((s) => s.length > 0)
  const results = await Promise.all(slices.map(async (slice) => await new Promise<SeedResult[]>((resolve, reject) => {
    const child = fork(process.argv[1] as string, ['--worker', slice.join(','), ...broken.flatMap((b) => ['--break', b])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const got: SeedResult[] = []
    child.on('message', (m: SeedResult) => { got.push(m) })
    child.on('error', reject)
    child.on('exit', (code) => { if (code === 0) resolve(got); else reject(new Error(`a simulation worker exited with ${code}`)) })
  })))
  return results.flat().sort((a, b) => seeds.indexOf(a.seed) - seeds.indexOf(b.seed))
}

async function main (): Promise<number> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string' },
      from: { type: 'string' },
      seed: { type: 'string' },
      schedule: { type: 'string' },
      trace: { type: 'boolean', default: false },
      'list-breaks': { type: 'boolean', default: false },
      break: { type: 'string', multiple: true, default: [] },
      regressions: { type: 'string' },
      jobs: { type: 'string' },
      'no-shrink': { type: 'boolean', default: false },
      worker: { type: 'string' },
      help: { type: 'boolean', default: false }
    },
    strict: true
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  if (values['list-breaks']) {
    for (const name of Object.keys(SAFETY_RULES)) console.log(name)
    return 0
  }
  const broken = (values.break ?? []).map((name) => {
    if (!(name in SAFETY_RULES)) fail(`no safety rule ${name}; --list-breaks lists them`)
    return name as SafetyRule
  })
  if (values.worker !== undefined) {
    for (const seed of values.worker.split(',').map(Number)) {
      const result = await runSchedule(scheduleOf(seed), broken)
      process.send?.({ seed, violations: result.violations } satisfies SeedResult)
    }
    return 0
  }
  const breakFlags = broken.map((b) => ` --break ${b}`).join('')

  if (values.schedule !== undefined) {
    let schedule: Schedule
    try {
      schedule = JSON.parse(values.schedule) as Schedule
    } catch (err) {
      fail(`--schedule must be JSON: ${(err as Error).message}`)
    }
    const result = await runSchedule(schedule, broken)
    if (values.trace) for (const line of result.trace) console.log(line)
    console.log(`simulation: 1 runs, ${result.violations.length} violations`)
    return result.violations.length === 0 ? 0 : 1
  }

  let regressionViolations = 0
  const seeds: number[] = []
  if (values.seed !== undefined) seeds.push(count(values.seed, '--seed', 0))
  else {
    const from = count(values.from, '--from', 1)
    const n = count(values.seeds, '--seeds', 100)
    for (let s = from; s < from + n; s++) seeds.push(s)
  }
  const jobs = count(values.jobs, '--jobs', Math.min(4, availableParallelism()))
  const results = await runSeeds(seeds, broken, jobs, values.trace)
  // Every schedule that ever failed, kept as the schedule itself: a seed names
  // another schedule once the generator changes.
  const regressions = values.regressions === undefined ? [] : JSON.parse(readFileSync(values.regressions, 'utf8')) as Regression[]
  for (const r of regressions) {
    const result = await runSchedule(r.schedule, broken)
    if (result.violations.length > 0) console.log(`regression (${r.found}) fails again: npm run simulate -- --schedule '${JSON.stringify(r.schedule)}' --trace${breakFlags}`)
    for (const v of result.violations) console.log(`  ${v.rule}: ${v.detail}`)
    regressionViolations += result.violations.length
  }
  const failed = results.filter((r) => r.violations.length > 0)
  const violations = failed.reduce((n, r) => n + r.violations.length, 0) + regressionViolations
  const first = failed[0]
  if (first !== undefined) {
    console.log(`${failed.length} of ${seeds.length} seeds failed; the first, seed ${first.seed}:`)
    for (const v of first.violations) console.log(`  ${v.rule}: ${v.detail}`)
  }
  if (first !== undefined && !values['no-shrink']) {
    const shrunk = await shrink(first.seed, broken)
    const smallest = shrunk.smallest ?? scheduleOf(first.seed)
    const steps = shrunk.steps
    const again = await runSchedule(smallest, broken)
    console.log(`shrunk in ${steps} steps to: ${JSON.stringify(smallest)}`)
    for (const v of again.violations) console.log(`  ${v.rule}: ${v.detail}`)
    console.log(`replay: npm run simulate -- --seed ${first.seed} --trace${breakFlags}`)
    console.log(`replay the shrunk schedule: npm run simulate -- --schedule '${JSON.stringify(smallest)}' --trace${breakFlags}`)
  }
  console.log(`simulation: ${seeds.length + regressions.length} runs, ${violations} violations`)
  return violations === 0 ? 0 : 1
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
