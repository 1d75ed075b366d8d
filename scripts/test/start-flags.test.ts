import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseStartFlags } from '../src/start/start-flags.js'

test('flags win over env, env over defaults', () => {
  assert.deepEqual(parseStartFlags([], {}), { webNodes: 3, memcachedServers: 2, ports: 'prefer', secureMemcached: false, help: false })
  assert.deepEqual(parseStartFlags([], { WEB_NODES: '5', MEMCACHED_SERVERS: '3' }), { webNodes: 5, memcachedServers: 3, ports: 'prefer', secureMemcached: false, help: false })
  assert.deepEqual(parseStartFlags(['--web-nodes', '2', '--memcached=1'], { WEB_NODES: '5' }), { webNodes: 2, memcachedServers: 1, ports: 'prefer', secureMemcached: false, help: false })
  assert.equal(parseStartFlags(['-h'], {}).help, true)
  assert.equal(parseStartFlags(['--ports', 'ephemeral'], { STICKLESS_PORTS: 'strict' }).ports, 'ephemeral')
  assert.equal(parseStartFlags([], { STICKLESS_PORTS: 'strict' }).ports, 'strict')
  assert.equal(parseStartFlags(['--secure-memcached'], {}).secureMemcached, true)
  assert.equal(parseStartFlags([], { STICKLESS_SECURE_MEMCACHED: '1' }).secureMemcached, true)
  assert.throws(() => parseStartFlags([], { STICKLESS_SECURE_MEMCACHED: 'yes' }), { message: /STICKLESS_SECURE_MEMCACHED must be 1 or 0, got "yes"/ })
})

test('a bad count names where it came from', () => {
  assert.throws(() => parseStartFlags(['--web-nodes', 'x'], {}), { code: 'STK_ERR_CLUSTER_INVALID_OPTION', message: /--web-nodes must be an integer from 1 to 9, got "x"/ })
  assert.throws(() => parseStartFlags([], { MEMCACHED_SERVERS: '10' }), { message: /MEMCACHED_SERVERS must be/ })
  assert.throws(() => parseStartFlags(['--nodes', '2'], {}), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' })
  assert.throws(() => parseStartFlags(['--ports', 'any'], {}), { code: 'STK_ERR_CLUSTER_INVALID_OPTION', message: /--ports must be prefer, strict, ephemeral, got "any"/ })
})
