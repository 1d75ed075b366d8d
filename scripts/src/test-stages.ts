import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { findExecutable } from './cluster/command-check.js'
import { NODE_LTS_MAJOR, nodeOfMajor } from './node-lts.js'
import { compiledTestFiles, splitTestFiles } from './test-files.js'

/** What a stage will do: run a command, or be skipped for a stated reason. */
export type StagePlan =
  | { run: true, command: string, args: string[], what: string }
  | { run: false, reason: string, failed?: true }

export interface Stage {
  name: string
  plan: (rootDir: string) => StagePlan
}

/**
 * How many test files run side by side (node --test --test-concurrency): two,
 * one per core of the 2-core machines this runs on. The files in RUN_ALONE
 * (test-files.ts: whole clusters, iptables) run afterwards, one at a time.
 * Side by side is safe because the unit and integration tests judge what
 * happened (counters, health states, events), not how long it took, and use
 * free ports. TEST_CONCURRENCY overrides it on a bigger machine.
 */
export const TEST_CONCURRENCY = 2

const PLAYWRIGHT_CONFIGS = ['playwright.config.ts', 'playwright.config.mts', 'playwright.config.js', 'playwright.config.mjs', 'playwright.config.cjs']

/** `docker-compose` (v1, what Debian ships) or the `docker compose` plugin, whichever exists. */
export function composeCommand (): string[] | undefined {
  const v1 = findExecutable('docker-compose')
  if (v1 !== undefined) return [v1]
  const docker = findExecutable('docker')
  if (docker !== undefined && spawnSync(docker, ['compose', 'version'], { stdio: 'ignore' }).status === 0) return [docker, 'compose']
  return undefined
}

/** The compiled test files of one group (side by side, or each alone), run by the given `node`. */
function nodeTestsPlan (rootDir: string, node: string, which: string, group: 'together' | 'alone'): StagePlan {
  const all = compiledTestFiles(rootDir)
  if (all.length === 0) return { run: false, reason: 'no dist/test/**/*.test.js in any workspace' }
  const files = splitTestFiles(all)[group]
  if (files.length === 0) return { run: false, reason: group === 'alone' ? 'no test file needs the machine alone' : 'every test file runs alone' }
  const concurrency = group === 'alone' ? '1' : process.env.TEST_CONCURRENCY ?? String(TEST_CONCURRENCY)
  return {
    run: true,
    command: node,
    args: ['--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...files],
    what: `node --test on ${which}, ${files.length} files, ${group === 'alone' ? 'one at a time' : `${concurrency} side by side`}`
  }
}

/**
 * Issue 10: the images run on the active LTS, so the unit and integration
 * tests run on it too, whatever Node this machine carries. The browser and
 * chaos stages stay on the machine's Node.
 */
function ltsPlan (rootDir: string, group: 'together' | 'alone'): StagePlan {
  if (Number(process.versions.node.split('.')[0]) === NODE_LTS_MAJOR) return { run: false, reason: `the stage above already ran on Node ${process.version}` }
  const node = nodeOfMajor(rootDir)
  if (!node.found) return process.platform === 'linux' && process.arch === 'x64' ? { run: false, reason: node.reason, failed: true } : { run: false, reason: node.reason }
  return nodeTestsPlan(rootDir, node.path, node.how, group)
}

/** The stages of `npm test`, cheapest first; the first failure stops the run. */
export const STAGES: readonly Stage[] = [
  {
    name: 'lint',
    plan: (rootDir) => ({ run: true, command: join(rootDir, 'node_modules', '.bin', 'eslint'), args: ['.'], what: 'eslint .' })
  },
  {
    name: 'node tests',
    plan: (rootDir) => nodeTestsPlan(rootDir, process.execPath, `Node ${process.version}`, 'together')
  },
  {
    name: 'node tests alone',
    plan: (rootDir) => nodeTestsPlan(rootDir, process.execPath, `Node ${process.version}`, 'alone')
  },
  {
    name: `node tests on Node ${NODE_LTS_MAJOR}`,
    plan: (rootDir) => ltsPlan(rootDir, 'together')
  },
  {
    name: `node tests alone on Node ${NODE_LTS_MAJOR}`,
    plan: (rootDir) => ltsPlan(rootDir, 'alone')
  },
  {
    name: 'compose config',
    plan: (rootDir) => {
      const compose = composeCommand()
      if (compose === undefined) return { run: false, reason: 'neither docker-compose nor `docker compose` is installed' }
      const [command = '', ...rest] = compose
      return { run: true, command, args: [...rest, '-f', join(rootDir, 'docker-compose.yml'), 'config', '-q'], what: `${compose.join(' ')} config -q` }
    }
  },
  {
    // Issue 6: a short chaos run is part of CI. It kills, restarts and freezes
    // web nodes and memcached under 50 signed-in users, and exits non-zero on
    // any logout, lost acknowledged write or unexplained error.
    name: 'chaos',
    plan: (rootDir) => {
      const script = join(rootDir, 'bench', 'dist', 'src', 'chaos.js')
      if (!existsSync(script)) return { run: false, reason: 'bench/dist/src/chaos.js is not built' }
      return { run: true, command: process.execPath, args: [script, '--short'], what: 'chaos run, --short (about 2 min)' }
    }
  },
  {
    name: 'e2e',
    plan: (rootDir) => {
      if (!PLAYWRIGHT_CONFIGS.some((file) => existsSync(join(rootDir, 'e2e', file)))) return { run: false, reason: 'no e2e/playwright.config.*' }
      return { run: true, command: 'npx', args: ['playwright', 'test', '-c', 'e2e'], what: 'npx playwright test -c e2e' }
    }
  }
]
