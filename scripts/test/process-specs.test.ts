// What each process of the cluster is given, read without starting anything:
// process-specs.ts is pure, so its env rules are checked here directly.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveClusterOptions } from '../src/cluster/cluster-options.js'
import { CLUSTER_HOST, LB_SOURCE_ADDRESS, type Member } from '../src/cluster/members.js'
import { lbSpec, memcachedSpec, sessionServersFor, webSpec } from '../src/cluster/process/process-specs.js'

const options = resolveClusterOptions({
  sessionSecrets: 'secret-for-the-test',
  sessionServerParams: { retryIntervalS: 2 },
  memcachedArgs: ['-v'],
  env: { SHARED: 'from env', DROPPED: undefined },
  webEnv: { SHARED: 'from webEnv' },
  commands: { web: { command: '/usr/bin/node', args: ['web.js'], cwd: '/srv' }, lb: { command: '/usr/bin/node', args: ['lb.js'] } },
  rootDir: '/repo'
})
const memcached: Member[] = [{ name: 'memcached-1', role: 'memcached', port: 11211 }, { name: 'memcached-2', role: 'memcached', port: 11212 }]
const web: Member[] = [{ name: 'web-1', role: 'web', port: 3001 }, { name: 'web-2', role: 'web', port: 3002 }]
const parentEnv = { PATH: '/bin', DROPPED: 'from the parent', NODE_TEST_CONTEXT: 'child-v8', SESSION_SERVERS_PREVIOUS: 'inherited' }

test('the server string: every memcached server with the options\' parameters', () => {
  assert.equal(sessionServersFor(memcached, options, undefined),
    `tcp://${CLUSTER_HOST}:11211?weight=1&timeout=1&retry_interval=2,tcp://${CLUSTER_HOST}:11212?weight=1&timeout=1&retry_interval=2`)
})

test('memcached: loopback, its port, no UDP, the options\' memory and arguments; -u nobody only as root', () => {
  const spec = memcachedSpec(memcached[0] as Member, options, undefined, parentEnv, false)
  assert.equal(spec.command, 'memcached')
  assert.deepEqual(spec.args, ['-l', CLUSTER_HOST, '-p', '11211', '-U', '0', '-m', '64', '-c', '1024', '-v'])
  assert.deepEqual(memcachedSpec(memcached[0] as Member, options, undefined, parentEnv, true).args.slice(10, 12), ['-u', 'nobody'])
})

test('a web node: its own variables, then env, then webEnv; undefined removes; nothing of node --test or a pool change is inherited', () => {
  const spec = webSpec(web[1] as Member, options, { sessionServers: 'tcp://a', previousSessionServers: undefined, lbStatusUrl: 'http://lb/status.json' }, parentEnv)
  assert.equal(spec.command, '/usr/bin/node')
  assert.deepEqual(spec.args, ['web.js'])
  assert.equal(spec.cwd, '/srv')
  assert.equal(spec.env.PORT, '3002')
  assert.equal(spec.env.HOST, CLUSTER_HOST)
  assert.equal(spec.env.NODE_NAME, 'web-2')
  assert.equal(spec.env.SESSION_SERVERS, 'tcp://a')
  assert.equal(spec.env.SESSION_SECRETS, 'secret-for-the-test')
  assert.equal(spec.env.LB_STATUS_URL, 'http://lb/status.json')
  assert.equal(spec.env.TRUSTED_PROXIES, LB_SOURCE_ADDRESS)
  assert.equal(spec.env.SHARED, 'from webEnv')
  assert.equal(spec.env.PATH, '/bin')
  assert.equal('DROPPED' in spec.env, false)
  assert.equal('NODE_TEST_CONTEXT' in spec.env, false)
  assert.equal('SESSION_SERVERS_PREVIOUS' in spec.env, false)
  const rolling = webSpec(web[1] as Member, options, { sessionServers: 'tcp://b', previousSessionServers: 'tcp://a', lbStatusUrl: 'http://lb/status.json' }, parentEnv)
  assert.equal(rolling.env.SESSION_SERVERS_PREVIOUS, 'tcp://a')
})

test('the LB: its ports, every web node as a backend, the rootDir as its cwd', () => {
  const spec = lbSpec({ name: 'lb', role: 'lb', port: 8080 }, options, { adminPort: 8081, web }, parentEnv)
  assert.equal(spec.env.LB_PORT, '8080')
  assert.equal(spec.env.LB_ADMIN_PORT, '8081')
  assert.equal(spec.env.LB_BACKENDS, `web-1=http://${CLUSTER_HOST}:3001,web-2=http://${CLUSTER_HOST}:3002`)
  assert.equal(spec.env.LB_UPSTREAM_LOCAL_ADDRESS, LB_SOURCE_ADDRESS === CLUSTER_HOST ? undefined : LB_SOURCE_ADDRESS)
  assert.equal(spec.env.SHARED, 'from env')
  assert.equal(spec.cwd, '/repo')
})
