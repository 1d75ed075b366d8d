import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NO_COMPOSE, resolvedCompose, type ComposeService } from './helpers/compose-config.js'

// docker-compose.scale.yml, over docker-compose.yml, runs one
// scalable `web` service instead of web1..web3, and the LB balances over
// every container of it (it resolves `web` to all of its addresses).

const resolved = resolvedCompose(['docker-compose.yml', 'docker-compose.scale.yml'])

test('docker-compose.scale.yml: one scalable web service in place of web1..web3, and the LB over every container of it', { skip: resolved === undefined ? NO_COMPOSE : false }, () => {
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
