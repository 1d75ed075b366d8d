import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultBackends, parseBackendList, readEnvConfig, toBackendTarget } from '../../src/index.js'
import { usableCores } from '../../src/config/env-config.js'

test('an empty environment gives the contract topology and leaves defaults to the options', () => {
  const config = readEnvConfig({})
  assert.equal(config.options.port, undefined)
  assert.deepEqual(config.options.backends, parseBackendList(defaultBackends))
  assert.deepEqual(config.options.backends.map((b) => b.url), ['http://127.0.0.1:3001', 'http://127.0.0.1:3002', 'http://127.0.0.1:3003'])
  assert.equal(config.logLevel, 'info')
  assert.equal(config.tlsCertPath, undefined)
})

test('variables map to options', () => {
  const config = readEnvConfig({
    LB_PORT: '9090',
    LB_HOST: '0.0.0.0',
    LB_ADMIN_PORT: '9091',
    LB_ADMIN_HOST: '127.0.0.1',
    LB_HTTPS_PORT: '9443',
    LB_HEALTH_INTERVAL_MS: '500',
    LB_PROXY_TIMEOUT_MS: '15000',
    LB_MAX_BODY_BYTES: '2097152',
    LB_BODY_DISCARD_LIMIT_BYTES: '0',
    LB_BACKENDS: 'web1=http://web1:3000, http://web2:3000?weight=2 ,',
    LB_TLS_CERT: '/certs/lb.pem',
    LB_TLS_KEY: '/certs/lb-key.pem',
    LOG_LEVEL: 'warn'
  })
  assert.equal(config.options.port, 9090)
  assert.equal(config.options.host, '0.0.0.0')
  assert.equal(config.options.adminPort, 9091)
  assert.equal(config.options.httpsPort, 9443)
  assert.equal(config.options.healthIntervalMs, 500)
  assert.equal(config.options.proxyTimeoutMs, 15_000)
  assert.equal(config.options.maxBodyBytes, 2 * 1024 * 1024)
  assert.equal(config.options.bodyDiscardLimitBytes, 0)
  assert.deepEqual(config.options.backends, [{ name: 'web1', url: 'http://web1:3000' }, { url: 'http://web2:3000?weight=2' }])
  assert.equal(config.tlsCertPath, '/certs/lb.pem')
  assert.equal(config.logLevel, 'warn')
})

test('a bad variable fails with a coded error naming it and the value', () => {
  assert.throws(() => readEnvConfig({ LB_PORT: 'eighty' }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'STK_ERR_LB_INVALID_ENV')
    assert.match(error.message, /LB_PORT.*"eighty"/)
    return true
  })
  assert.throws(() => readEnvConfig({ LB_BACKENDS: ' , ' }), /LB_BACKENDS/)
  assert.throws(() => readEnvConfig({ LB_TLS_CERT: '/x.pem' }), /LB_TLS_KEY/)
  assert.throws(() => readEnvConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/)
  assert.throws(() => readEnvConfig({ LB_ACCESS_LOG: 'sometimes' }), /LB_ACCESS_LOG.*"sometimes"/)
})

test('LB_ACCESS_LOG turns the per-request log line on or off', () => {
  assert.equal(readEnvConfig({}).options.accessLog, undefined, 'unset: the option default (off)')
  for (const on of ['on', 'ON', 'true', '1']) assert.equal(readEnvConfig({ LB_ACCESS_LOG: on }).options.accessLog, true, on)
  for (const off of ['off', 'false', '0']) assert.equal(readEnvConfig({ LB_ACCESS_LOG: off }).options.accessLog, false, off)
})

test('backend entries: names, default names, ports, weights, IPv6', () => {
  assert.deepEqual(toBackendTarget({ url: 'http://web1:3000' }), { name: 'web1:3000', hostname: 'web1', port: 3000, weight: 1 })
  assert.deepEqual(toBackendTarget({ name: 'web-1', url: 'http://127.0.0.1' }), { name: 'web-1', hostname: '127.0.0.1', port: 80, weight: 1 })
  assert.deepEqual(toBackendTarget({ url: 'http://web2:3000?weight=3' }).weight, 3)
  assert.deepEqual(toBackendTarget({ url: 'http://[::1]:3000' }).hostname, '::1')
  assert.deepEqual(parseBackendList('a=http://x:1=2'), [{ name: 'a', url: 'http://x:1=2' }])
})

test('LB_WORKERS takes a whole number or auto (the cores this process may use)', () => {
  assert.equal(readEnvConfig({}).options.workers, undefined, 'unset: the option default (1)')
  assert.equal(readEnvConfig({ LB_WORKERS: '4' }).options.workers, 4)
  assert.equal(readEnvConfig({ LB_WORKERS: 'auto' }, () => 6).options.workers, 6)
  assert.equal(readEnvConfig({ LB_WORKERS: 'AUTO' }, () => 2).options.workers, 2)
  assert.throws(() => readEnvConfig({ LB_WORKERS: 'many' }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'STK_ERR_LB_INVALID_ENV')
    assert.match(error.message, /LB_WORKERS.*"many"/)
    return true
  })
})

test('auto counts the cores of a cgroup CPU quota, not more than the machine has', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-cpu-max-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = (text: string): string => {
    const path = join(dir, `cpu.max.${Math.random()}`)
    writeFileSync(path, text)
    return path
  }
  assert.equal(usableCores(file('150000 100000\n')), Math.min(2, availableParallelism()), '--cpus=1.5: two workers')
  assert.equal(usableCores(file('50000 100000\n')), 1)
  assert.equal(usableCores(file('max 100000\n')), availableParallelism(), 'no quota')
  assert.equal(usableCores(join(dir, 'absent')), availableParallelism(), 'no cgroup v2')
})

test('the WebSocket options come from LB_MAX_UPGRADED_SOCKETS, LB_UPGRADE_IDLE_TIMEOUT_MS and LB_UPGRADE_CLOSE_TIMEOUT_MS', () => {
  const { options } = readEnvConfig({ LB_MAX_UPGRADED_SOCKETS: '500', LB_UPGRADE_IDLE_TIMEOUT_MS: '60000', LB_UPGRADE_CLOSE_TIMEOUT_MS: '2000' })
  assert.equal(options.maxUpgradedSockets, 500)
  assert.equal(options.upgradeIdleTimeoutMs, 60_000)
  assert.equal(options.upgradeCloseTimeoutMs, 2_000)
  assert.throws(() => readEnvConfig({ LB_MAX_UPGRADED_SOCKETS: 'lots' }), { code: 'STK_ERR_LB_INVALID_ENV' })
})
