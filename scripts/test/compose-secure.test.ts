import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NO_COMPOSE, resolvedCompose, type ComposeService } from './helpers/compose-config.js'

// docker-compose.secure.yml turns on TLS and authentication between
// the web nodes and memcached, with the store's own options.

const FILES = ['docker-compose.yml', 'docker-compose.secure.yml']
const hasCompose = resolvedCompose(['docker-compose.yml']) !== undefined

test('docker-compose.secure.yml: memcached serves TLS only and asks for a password; every web node connects with both', { skip: hasCompose ? false : NO_COMPOSE }, () => {
  const config = resolvedCompose(FILES, { MEMCACHED_PASSWORD: '0123abcd' })
  assert.ok(config !== undefined && !('error' in config), `compose config: ${config !== undefined && 'error' in config ? config.error : ''}`)
  const services: Record<string, ComposeService> = config.services
  for (const name of ['memcached1', 'memcached2']) {
    const command = services[name]?.command
    assert.ok(Array.isArray(command), `${name} has a command`)
    assert.ok(command.includes('-Z') && command.includes('-Y'), `${name}: ${command.join(' ')}`)
  }
  for (const name of ['web1', 'web2', 'web3']) {
    const env: Record<string, string | null> = services[name]?.environment ?? {}
    const servers: string[] = String(env.SESSION_SERVERS).split(',')
    assert.equal(servers.length, 2)
    servers.forEach((server, i) => {
      assert.match(server, new RegExp(`^tls://stickless:0123abcd@memcached${i + 1}:11211\\?.*tls_ca=/tls/ca\\.crt.*&tls_servername=memcached${i + 1}$`), `${name}: ${server}`)
    })
    assert.ok(env.NODE_NAME !== undefined && env.SESSION_SECRETS !== undefined, `${name} keeps the rest of its environment`)
  }
})

test('docker-compose.secure.yml without MEMCACHED_PASSWORD refuses to start and says what to run', { skip: hasCompose ? false : NO_COMPOSE }, () => {
  const config = resolvedCompose(FILES)
  assert.ok(config !== undefined && 'error' in config, 'compose refuses the files')
  assert.match(config.error, /make-memcached-tls\.sh/)
})
