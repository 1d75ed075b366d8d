// `npm test` after the build: every stage in order, stopping at the first
// failure, then one summary line. `npm test -- lint e2e` runs only those stages.
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findExecutable } from './cluster/command-check.js'
import { paint as paintAlways, shouldColour, type Colour } from './cluster/line-prefixer.js'
import { STAGES, type Stage } from './test-stages.js'

const rootDir = fileURLToPath(new URL('../../../', import.meta.url))
const colour = shouldColour(process.stdout)
const paint = (style: Colour, text: string): string => colour ? paintAlways(style, text) : text
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

interface Outcome { ok: boolean, why: string, status: number, ms: number }

/** Runs a command to its end; output goes to `output` (the terminal, or a file's descriptor). */
async function runCommand (command: string, args: readonly string[], output: 'inherit' | number): Promise<Outcome> {
  const started = Date.now()
  return await new Promise((resolve) => {
    const child = spawn(command, args, { cwd: rootDir, stdio: ['ignore', output, output] })
    child.once('error', (err) => { resolve({ ok: false, why: err.message, status: 1, ms: Date.now() - started }) })
    child.once('exit', (code, signal) => {
      const ms = Date.now() - started
      if (code === 0) resolve({ ok: true, why: '', status: 0, ms })
      else resolve({ ok: false, why: signal !== null ? `signal ${signal}` : `exit code ${code}`, status: code !== null && code !== 0 ? code : 1, ms })
    })
  })
}

/** A background stage under way: its outcome, and the file that keeps its output until it is shown. */
interface Pending { stage: Stage, what: string, outcome: Promise<Outcome>, dir: string, file: string }

async function main (argv: readonly string[]): Promise<number> {
  const wanted = new Set(argv.filter((a) => !a.startsWith('-')))
  const unknown = [...wanted].filter((name) => !STAGES.some((s) => s.name === name || s.name.startsWith(`${name} `)))
  if (unknown.length > 0) {
    console.error(`unknown stage ${unknown.join(', ')}; stages: ${STAGES.map((s) => s.name).join(', ')}`)
    return 2
  }
  const stages = STAGES.filter((stage) => wanted.size === 0 || [...wanted].some((name) => stage.name === name || stage.name.startsWith(`${name} `)))
  const startedAt = Date.now()
  const results: string[] = []
  const failed = (name: string, why: string): void => {
    results.push(`${name} FAILED`)
    console.log(paint('red', `\nnpm test: FAILED at ${name} (${why}) after ${seconds(Date.now() - startedAt)} [${results.join(', ')}]`))
  }
  let pending: Pending | undefined
  /** Shows the background stage's output and result once it has ended; false when it failed. */
  const settle = async (): Promise<Outcome | undefined> => {
    if (pending === undefined) return undefined
    const { stage, what, outcome, dir, file } = pending
    pending = undefined
    const result = await outcome
    console.log(paint('cyan', `\n── ${stage.name} (ran beside the stages above): ${what}`))
    process.stdout.write(readFileSync(file, 'utf8'))
    rmSync(dir, { recursive: true, force: true })
    if (result.ok) results.push(`${stage.name} ok ${seconds(result.ms)}`)
    else failed(stage.name, result.why)
    return result
  }
  for (const [i, stage] of stages.entries()) {
    const plan = stage.plan(rootDir)
    if (!plan.run && plan.failed === true) {
      await settle()
      failed(stage.name, plan.reason)
      return 1
    }
    if (!plan.run) {
      console.log(paint('yellow', `\n── ${stage.name}: skipped (${plan.reason})`))
      results.push(`${stage.name} skipped`)
      continue
    }
    if (stage.background === true && i < stages.length - 1) {
      // At the lowest CPU priority it takes what the tests leave idle, so
      // they run as they would without it; its output waits in a file.
      const dir = mkdtempSync(join(tmpdir(), 'stickless-stage-'))
      const file = join(dir, 'output.txt')
      const fd = openSync(file, 'w')
      const nice = findExecutable('nice')
      const outcome = nice === undefined ? runCommand(plan.command, plan.args, fd) : runCommand(nice, ['-n', '19', plan.command, ...plan.args], fd)
      void outcome.finally(() => { closeSync(fd) })
      pending = { stage, what: plan.what, outcome, dir, file }
      console.log(paint('cyan', `\n── ${stage.name}: ${plan.what}, beside the next stage at the lowest CPU priority; its output follows that stage`))
      continue
    }
    console.log(paint('cyan', `\n── ${stage.name}: ${plan.what}`))
    const run = await runCommand(plan.command, plan.args, 'inherit')
    const before = await settle()
    if (before !== undefined && !before.ok) {
      if (!run.ok) failed(stage.name, run.why)
      return before.status
    }
    if (!run.ok) {
      failed(stage.name, run.why)
      return run.status
    }
    results.push(`${stage.name} ok ${seconds(run.ms)}`)
  }
  const last = await settle()
  if (last !== undefined && !last.ok) return last.status
  console.log(paint('green', `\nnpm test: passed in ${seconds(Date.now() - startedAt)} [${results.join(', ')}]`))
  return 0
}

process.exitCode = await main(process.argv.slice(2))
