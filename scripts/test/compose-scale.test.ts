import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { load } from 'js-yaml'
import { findExecutable } from '../src/cluster/command-check.js'

// Issue 14: docker-compose.scale.yml, over docker-compose.yml, runs one
// scalable `web` service instead of web1..web3, and the LB balances over
// every container of it (it resolves `web` to all of its addresses).

const rootDir = fileURLToPath(new URL('../../../', import.meta.url))

interface ComposeService {
  scale?: number
  environment?: Record<string, string | null>
  depends_on?: Record<string, { condition?: string }>
  [key: string]: unknown
}

/** `config` of the base file plus the override, as compose resolves it; undefined without compose. */
function resolvedScaleCompose (): { services: Record<string, ComposeService> } | { error: string } | undefined {
  const v1 = findExecutable('docker-compose')
  const command = v1 !== undefined ? [v1] : findExecutable('docker') !== undefined ? ['docker', 'compose'] : undefined
  if (command === undefined) return undefined
  const [bin = '', ...args] = command
  const { SESSION_SECRETS: _secrets, LB_PUBLISH: _publish, ...env } = process.env
  const run = spawnSync(bin, [...args, '-f', join(rootDir, 'docker-compose.yml'), '-f', join(rootDir, 'docker-compose.scale.yml'), 'config'], { encoding: 'utf8', env, cwd: rootDir, timeout: 60_000 })
  if (run.error !== undefined) return undefined
  if (run.status !== 0) return { error: `${run.stdout}${run.stderr}` }
  return load(run.stdout) as { services: Record<string, ComposeService> }
}

const resolved = resolvedScaleCompose()

void test('docker-compose.scale.yml: one scalable web service in place of web1..web3, and the LB over every container of it', { skip: resolved === undefined ? 'neither docker-compose nor `docker compose` is installed' : false }, () => {
  assert.ok(resolved !== undefined && !('error' in resolved), `compose config of the override: ${resolved !== undefined && 'error' in resolved ? resolved.error : ''}`)
  const { services } = resolved
  for (const name of ['web1', 'web2', 'web3']) assert.equal(services[name]?.scale, 0, `${name} starts no container`)
  const web = services.web
  assert.ok(web !== undefined)
  assert.ok((web.scale ?? 1) >= 1)
  assert.ok([undefined, null, ''].includes(web.environment?.NODE_NAME), 'each container names itself after its host name')
  const lb = services.lb
  assert.equal(lb?.environment?.LB_BACKENDS, 'web=http://web:3000')
  assert.equal(lb?.depends_on?.web?.condition, 'service_healthy')

  // The written-out web service is web1 without its name.
  const withoutName = (service: ComposeService | undefined): ComposeService => {
    const { scale: _scale, environment, ...rest } = service ?? {}
    const { NODE_NAME: _name, ...env } = environment ?? {}
    return { ...rest, environment: env }
  }
  assert.deepEqual(withoutName(web), withoutName(services.web1))
})
