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
