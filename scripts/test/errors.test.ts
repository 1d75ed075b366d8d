import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { errorCodes, ClusterError, invalidOption } from '../src/cluster/errors.js'

test('every error code is documented in scripts/README.md', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  for (const code of Object.keys(errorCodes)) assert.ok(readme.includes(`\`${code}\``), `${code} is missing from scripts/README.md`)
})

test('a ClusterError carries its code and names the failure', () => {
  const cause = new Error('EADDRINUSE')
  const err = new ClusterError('STK_ERR_CLUSTER_PORT_IN_USE', '127.0.0.1:8080 is taken', { cause })
  assert.equal(err.code, 'STK_ERR_CLUSTER_PORT_IN_USE')
  assert.equal(err.message, 'A required port is already in use: 127.0.0.1:8080 is taken')
  assert.equal(err.cause, cause)
  assert.ok(err instanceof ClusterError)
  assert.ok(err instanceof errorCodes.STK_ERR_CLUSTER_PORT_IN_USE)
  assert.ok(!(err instanceof errorCodes.STK_ERR_CLUSTER_STATE))
  assert.ok(err instanceof Error)
})

test('an invalid option names the option and the value it got', () => {
  const err = invalidOption('webNodes', 0, 'an integer from 1 to 9')
  assert.ok(err instanceof ClusterError)
  assert.equal(err.code, 'STK_ERR_CLUSTER_INVALID_OPTION')
  assert.equal(err.message, 'Invalid cluster option: webNodes must be an integer from 1 to 9, got 0')
})
