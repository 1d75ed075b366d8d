import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_PORTS, resolveClusterOptions } from '../src/cluster/cluster-options.js'

test('defaults follow the contract and are frozen', () => {
  const o = resolveClusterOptions({ sessionSecrets: 's'.repeat(32) })
  assert.equal(o.webNodes, 3)
  assert.equal(o.memcachedServers, 2)
  assert.deepEqual(o.ports, { lb: 8080, lbAdmin: 8081, webBase: 3001, memcachedBase: 11211 })
  assert.deepEqual(o.ports, DEFAULT_PORTS)
  assert.equal(o.portMode, 'prefer')
  assert.equal(o.memcachedMemoryMb, 64)
  assert.equal(o.memcachedConnections, 1024)
  assert.deepEqual(o.sessionServerParams, { weight: 1, timeoutS: 1, retryIntervalS: 15 })
  assert.equal(o.restartOnExit, false)
  assert.equal(o.startTimeoutMs, 60_000)
  assert.match(o.commands.web.args?.[0] ?? '', /services\/web\/dist\/src\/main\.js$/)
  assert.match(o.commands.lb.args?.[0] ?? '', /services\/lb\/dist\/src\/main\.js$/)
  assert.ok(Object.isFrozen(o))
})

test('a dev secret is generated when none is given', () => {
  const saved = process.env.SESSION_SECRETS
  delete process.env.SESSION_SECRETS
  try {
    const a = resolveClusterOptions().sessionSecrets
    const b = resolveClusterOptions().sessionSecrets
    assert.ok(a.length >= 32)
    assert.notEqual(a, b)
  } finally {
    if (saved !== undefined) process.env.SESSION_SECRETS = saved
  }
})

test('frozen options are read, not written into; an undefined env entry still removes the variable', () => {
  const o = resolveClusterOptions(Object.freeze({
    sessionSecrets: 's'.repeat(32),
    ports: Object.freeze({ lb: 0 }),
    env: Object.freeze({ PORT: undefined, LOG_LEVEL: 'warn' }),
    memcachedArgs: Object.freeze(['-v']),
    commands: Object.freeze({ web: Object.freeze({ command: 'node' }) })
  }))
  assert.deepEqual(o.ports, { ...DEFAULT_PORTS, lb: 0 })
  assert.ok('PORT' in o.env && o.env.PORT === undefined)
  assert.deepEqual(o.memcachedArgs, ['-v'])
  assert.deepEqual(o.commands.web, { command: 'node', args: [] })
})

test('a bad option is a coded error that names the option and the value', () => {
  const cases: Array<[Parameters<typeof resolveClusterOptions>[0], RegExp]> = [
    [{ webNodes: 0 }, /webNodes must be an integer from 1 to 9, got 0/],
    [{ memcachedServers: 2.5 }, /memcachedServers must be .*got 2.5/],
    [{ ports: { lb: 70_000 } }, /ports\.lb must be .*got 70000/],
    [{ portMode: 'sometimes' as 'prefer' }, /portMode must be/],
    [{ memcachedMemoryMb: -1 }, /memcachedMemoryMb/],
    [{ sessionServerParams: { timeoutS: 0 } }, /sessionServerParams\.timeoutS must be a positive number, got 0/],
    [{ env: { PORT: 3 as unknown as string } }, /env\.PORT must be a string/],
    [{ commands: { web: { command: '' } } }, /commands\.web\.command/]
  ]
  for (const [options, message] of cases) {
    assert.throws(() => resolveClusterOptions(options), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'STK_ERR_CLUSTER_INVALID_OPTION')
      assert.match(err.message, message)
      return true
    })
  }
})
