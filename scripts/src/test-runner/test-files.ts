import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/**
 * The workspace directories named in the root package.json, with a trailing
 * `/*` expanded, so a new workspace's tests run without editing this file.
 */
export function workspaceDirs (rootDir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(rootDir, 'package.json'), 'utf8')) as { workspaces?: string[] | { packages?: string[] } }
  const patterns = Array.isArray(pkg.workspaces) ? pkg.workspaces : pkg.workspaces?.packages ?? []
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return existsSync(join(rootDir, pattern)) ? [pattern] : []
    const parent = pattern.slice(0, -2)
    if (!existsSync(join(rootDir, parent))) return []
    return readdirSync(join(rootDir, parent), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${parent}/${d.name}`)
  })
}

/**
 * Every compiled test file, dist/test/**\/*.test.js of each workspace, relative
 * to the root and sorted. A compiled file whose test/**\/*.test.ts is gone is
 * left out: `tsc -b` never deletes outputs, so a renamed test would otherwise
 * keep running in its old form.
 */
export function compiledTestFiles (rootDir: string): string[] {
  return workspaceDirs(rootDir).flatMap((dir) => {
    const testDir = join(rootDir, dir, 'dist', 'test')
    if (!existsSync(testDir)) return []
    return readdirSync(testDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.test.js') && !file.split('/').includes('node_modules'))
      .filter((file) => SOURCE_EXTENSIONS.some((ext) => existsSync(join(rootDir, dir, 'test', file.replace(/\.js$/, ext)))))
      .map((file) => relative(rootDir, join(testDir, file)))
  }).sort()
}

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.tsx', '.js']

/**
 * Test files that need the machine to themselves, as prefixes of their
 * compiled paths: every e2e file starts a whole cluster (six processes; two
 * at once on a 2-core machine starve each other), the partition tests cut
 * traffic with iptables for the whole host, and the `npm start` signal test
 * and the proxy smoke test run clusters of their own. Every other file uses
 * free ports and judges what happened rather than how long it took, so those
 * run side by side.
 */
export const RUN_ALONE: readonly string[] = [
  'e2e/',
  'scripts/dist/test/start-signals.test.js',
  'scripts/dist/test/deploy-proxy-smoke.test.js'
]

/** The compiled test files split into those that may run side by side and those that run one at a time, each list in its given order. */
export function splitTestFiles (files: readonly string[], alone: readonly string[] = RUN_ALONE): { together: string[], alone: string[] } {
  const isAlone = (file: string): boolean => alone.some((prefix) => file === prefix || (prefix.endsWith('/') && file.startsWith(prefix)))
  return { together: files.filter((f) => !isAlone(f)), alone: files.filter(isAlone) }
}
