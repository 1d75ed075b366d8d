import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { load } from 'js-yaml'
import { composeCommand } from '../../src/test-runner/test-stages.js'

export const rootDir = fileURLToPath(new URL('../../../../', import.meta.url))

export interface ComposeService {
  scale?: number
  command?: string[] | string
  environment?: Record<string, string | null>
  depends_on?: Record<string, { condition?: string }>
  ports?: Array<string | { host_ip?: string, published?: string | number, target?: number }>
  volumes?: Array<string | { source?: string, target?: string }>
  [key: string]: unknown
}

export type ComposeConfig = { services: Record<string, ComposeService> } | { error: string }

/**
 * `config` of these compose files (relative to the repository root) as
 * compose resolves them, with `env` over a copy of ours from which the
 * variables under test are removed (a developer's shell must not change the
 * defaults a test checks). undefined when compose is not installed; `error`
 * with compose's own words when it refuses the files.
 */
export function resolvedCompose (files: readonly string[], env: NodeJS.ProcessEnv = {}): ComposeConfig | undefined {
  const command = composeCommand()
  if (command === undefined) return undefined
  const [bin = '', ...args] = command
  const { SESSION_SECRETS: _secrets, LB_PUBLISH: _publish, MEMCACHED_PASSWORD: _password, ...clean } = process.env
  const run = spawnSync(bin, [...args, ...files.flatMap((f) => ['-f', join(rootDir, f)]), 'config'], { encoding: 'utf8', env: { ...clean, ...env }, cwd: rootDir, timeout: 60_000 })
  if (run.error !== undefined) return undefined
  if (run.status !== 0) return { error: `${run.stdout}${run.stderr}` }
  return load(run.stdout) as { services: Record<string, ComposeService> }
}

export const NO_COMPOSE = 'neither docker-compose nor `docker compose` is installed'
