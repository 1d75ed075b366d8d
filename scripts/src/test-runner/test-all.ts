// `npm test` after the build: every stage in order, stopping at the first
// failure, then one summary line. `npm test -- lint e2e` runs only those stages.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { paint as paintAlways, shouldColour, type Colour } from '../cluster/process/line-prefixer.js'
import { STAGES } from './test-stages.js'

const rootDir = fileURLToPath(new URL('../../../../', import.meta.url))
const colour = shouldColour(process.stdout)
const paint = (style: Colour, text: string): string => colour ? paintAlways(style, text) : text
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

function main (argv: readonly string[]): number {
  const wanted = new Set(argv.filter((a) => !a.startsWith('-')))
  const unknown = [...wanted].filter((name) => !STAGES.some((s) => s.name === name || s.name.startsWith(`${name} `)))
  if (unknown.length > 0) {
    console.error(`unknown stage ${unknown.join(', ')}; stages: ${STAGES.map((s) => s.name).join(', ')}`)
    return 2
  }
  const startedAt = Date.now()
  const results: string[] = []
  for (const stage of STAGES) {
    if (wanted.size > 0 && ![...wanted].some((name) => stage.name === name || stage.name.startsWith(`${name} `))) continue
    const plan = stage.plan(rootDir)
    if (!plan.run && plan.failed === true) {
      results.push(`${stage.name} FAILED`)
      console.log(paint('red', `\nnpm test: FAILED at ${stage.name} (${plan.reason}) after ${seconds(Date.now() - startedAt)} [${results.join(', ')}]`))
      return 1
    }
    if (!plan.run) {
      console.log(paint('yellow', `\n── ${stage.name}: skipped (${plan.reason})`))
      results.push(`${stage.name} skipped`)
      continue
    }
    console.log(paint('cyan', `\n── ${stage.name}: ${plan.what}`))
    const stageStart = Date.now()
    const run = spawnSync(plan.command, plan.args, { cwd: rootDir, stdio: 'inherit' })
    const took = seconds(Date.now() - stageStart)
    if (run.error !== undefined || run.status !== 0) {
      const why = run.error?.message ?? (run.signal !== null ? `signal ${run.signal}` : `exit code ${run.status}`)
      results.push(`${stage.name} FAILED`)
      console.log(paint('red', `\nnpm test: FAILED at ${stage.name} (${why}) after ${seconds(Date.now() - startedAt)} [${results.join(', ')}]`))
      return run.status !== null && run.status !== 0 ? run.status : 1
    }
    results.push(`${stage.name} ok ${took}`)
  }
  console.log(paint('green', `\nnpm test: passed in ${seconds(Date.now() - startedAt)} [${results.join(', ')}]`))
  return 0
}

process.exit(main(process.argv.slice(2)))
