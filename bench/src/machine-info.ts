// What the results were measured on: the machine and every tool's version.
import { cpus, loadavg, totalmem } from 'node:os'
import { readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

/** The first line a command prints about its version (some print it on stderr, some exit non-zero). */
function version (cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error !== undefined) return 'not installed'
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0]?.replace(/\s+Copyright.*$/, '') ?? '?'
}

function packageVersion (name: string): string {
  try {
    const require = createRequire(import.meta.url)
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

/** The commit measured, and which measured parts had uncommitted changes. */
function codeVersion (): string {
  const git = (args: string[]): string => {
    const r = spawnSync('git', args, { encoding: 'utf8' })
    return r.status === 0 ? (r.stdout ?? '').trimEnd() : ''
  }
  const head = git(['rev-parse', '--short', 'HEAD']).trim()
  if (head === '') return 'not a git checkout'
  const dirty = git(['status', '--porcelain', '--', 'services', 'packages', 'scripts/src']).split('\n').filter((l) => l.trim() !== '').map((l) => l.slice(3))
  return dirty.length === 0 ? `commit ${head}, services and packages as committed` : `commit ${head} with uncommitted changes in ${dirty.join(', ')}`
}

export function machineLines (): string[] {
  return [
    `- Code: ${codeVersion()}.`,
    `- Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, load average ${loadavg().map((l) => l.toFixed(2)).join(' / ')} when the run started (the cores are shared with other jobs).`,
    `- Versions: Node ${process.version}; ${version('memcached', ['-V'])}; ${version('nginx', ['-v']).replace('nginx version: ', '')}; ${version('haproxy', ['-v']).replace(/ - https.*$/, '')}; ${version('wrk', ['-v'])}; autocannon ${packageVersion('autocannon')}; fastify ${packageVersion('fastify')}; http-proxy ${packageVersion('http-proxy')}.`
  ]
}
