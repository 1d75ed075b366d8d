import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatSessionServers } from '../src/cluster/session-servers.js'

test('builds the server string (SESSION_SERVERS) of the contract', () => {
  assert.equal(
    formatSessionServers([{ host: '127.0.0.1', port: 11211 }, { host: '127.0.0.1', port: 11212, weight: 2, timeoutS: 0.5, retryIntervalS: 30 }]),
    'tcp://127.0.0.1:11211?weight=1&timeout=1&retry_interval=15,tcp://127.0.0.1:11212?weight=2&timeout=0.5&retry_interval=30'
  )
})
