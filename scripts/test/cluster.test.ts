import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import { Cluster, LB_SOURCE_ADDRESS } from '../src/cluster/index.js'
import { probeHttp } from '../src/cluster/probes/http-probe.js'
import { memcachedVersion } from '../src/cluster/probes/memcached-probe.js'
import { standInCommands } from '../src/stand-ins/commands.js'
import { isAlive, pollUntil } from '@stickless/test-support'

// Real memcached processes, stand-in web nodes and LB (so this test does not
// depend on services/* being built), all on free ports.

/** Sends one raw memcached command and resolves with the reply up to its terminator. */
async function memcached (address: string, command: string, terminator: RegExp): Promise<string> {
  const [host = '', port = ''] = address.split(':')
  return await new Promise((resolve, reject) => {
    let reply = ''
    const socket = connect({ host, port: Number(port) }, () => socket.write(command))
    socket.setEncoding('utf8')
    socket.setTimeout(2_000, () => { socket.destroy(); reject(new Error(`no reply to ${command}`)) })
    socket.on('error', reject)
    socket.on('data', (chunk: string) => {
      reply += chunk
      if (terminator.test(reply)) {
        socket.end()
        resolve(reply)
      }
    })
  })
}

async function startCluster (t: { after: (fn: () => Promise<void>) => void }, pids: number[]): Promise<Cluster> {
  const cluster = new Cluster({
    portMode: 'ephemeral',
    commands: standInCommands(),
    output: null,
    stopGraceMs: 2_000,
    startTimeoutMs: 20_000,
    webEnv: { STAND_IN_EXTRA: 'from-webEnv' }
  })
  // Registered before start() so a failing start still cleans up; the PIDs are checked after the stop.
  t.after(async () => {
    pids.push(...cluster.pids())
    await cluster.stop()
    assert.deepEqual(pids.filter(isAlive), [], 'every process the cluster started is gone')
  })
  await cluster.start()
  return cluster
}

test('start() runs memcached, web nodes and the LB, all reachable, with the contract env', async (t) => {
  const pids: number[] = []
  const cluster = await startCluster(t, pids)
  assert.deepEqual(cluster.names, ['memcached-1', 'memcached-2', 'web-1', 'web-2', 'web-3', 'lb'])
  assert.equal(cluster.pids().length, 6)
  for (const name of cluster.memcachedNames) {
    const [host = '', port = ''] = cluster.memcachedAddress(name).split(':')
    assert.match(await memcachedVersion(host, Number(port)) ?? '', /^1\.6\./)
  }
  const [m1, m2] = cluster.memcachedNames.map((n) => cluster.port(n))
  assert.equal(cluster.sessionServers, `tcp://127.0.0.1:${m1}?weight=1&timeout=1&retry_interval=15,tcp://127.0.0.1:${m2}?weight=1&timeout=1&retry_interval=15`)

  const env = JSON.parse((await probeHttp(cluster.webUrl('web-2', '/env')))?.body ?? '{}') as Record<string, string>
  assert.equal(env.NODE_NAME, 'web-2')
  assert.equal(env.PORT, String(cluster.port('web-2')))
  assert.equal(env.HOST, '127.0.0.1')
  assert.equal(env.SESSION_SERVERS, cluster.sessionServers)
  assert.ok((env.SESSION_SECRETS ?? '').length >= 32, 'a generated dev secret')
  assert.equal(env.LB_STATUS_URL, cluster.lbAdminUrl('/status.json'))
  // the LB has its own loopback source address on Linux: only it is trusted
  assert.equal(env.TRUSTED_PROXIES, LB_SOURCE_ADDRESS)
  assert.equal(env.STAND_IN_EXTRA, 'from-webEnv')

  const seen = new Set<string>()
  for (let i = 0; i < 6; i++) seen.add((await probeHttp(cluster.lbUrl('/healthz')))?.servedBy ?? '')
  assert.deepEqual([...seen].sort(), ['web-1', 'web-2', 'web-3'])
  assert.equal((await probeHttp(cluster.lbAdminUrl('/status.json')))?.status, 200)
})

test('freeze() stops memcached answering, thaw() brings it back, restart() brings it back empty on the same port', async (t) => {
  const pids: number[] = []
  const cluster = await startCluster(t, pids)
  const address = cluster.memcachedAddress('memcached-1')
  const [host = '', port = ''] = address.split(':')
  assert.equal(await memcached(address, 'set greeting 0 0 5\r\nhello\r\n', /\r\n$/), 'STORED\r\n')

  cluster.freeze('memcached-1')
  assert.equal(cluster.isFrozen('memcached-1'), true)
  assert.equal(await memcachedVersion(host, Number(port), 300), undefined, 'a frozen server does not answer')
  cluster.thaw('memcached-1')
  assert.ok(await memcachedVersion(host, Number(port), 2_000))
  assert.match(await memcached(address, 'get greeting\r\n', /END\r\n$/), /hello/, 'thawing keeps the data')

  const before = cluster.pid('memcached-1')
  assert.ok(before !== undefined)
  pids.push(before)
  cluster.freeze('memcached-1')
  await cluster.restart('memcached-1')
  assert.notEqual(cluster.pid('memcached-1'), before)
  assert.equal(cluster.memcachedAddress('memcached-1'), address)
  assert.equal(await memcached(address, 'get greeting\r\n', /END\r\n$/), 'END\r\n', 'restarted empty')
})

test('kill() ends a process for good; restart() revives it and waits until the LB has it in rotation', async (t) => {
  const pids: number[] = []
  const cluster = await startCluster(t, pids)
  const before = cluster.pid('web-2')
  assert.ok(before !== undefined)
  pids.push(before)
  assert.deepEqual(await cluster.kill('web-2', 'SIGKILL'), { code: null, signal: 'SIGKILL' })
  assert.equal(isAlive(before), false)
  assert.equal(cluster.isRunning('web-2'), false)
  assert.equal(await probeHttp(cluster.webUrl('web-2', '/healthz'), 300), undefined)

  await cluster.restart('web-2')
  assert.equal(cluster.isRunning('web-2'), true)
  assert.equal((await probeHttp(cluster.webUrl('web-2', '/healthz')))?.status, 200)

  const memcachedPid = cluster.pid('memcached-2')
  assert.ok(memcachedPid !== undefined)
  pids.push(memcachedPid)
  await cluster.kill('memcached-2', 'SIGTERM')
  assert.equal(cluster.pid('memcached-2'), undefined)
  await cluster.restart('memcached-2')
  await cluster.waitForHealthy('memcached-2')
})

test('a process that cannot start fails start() with its name and output, and nothing is left running', async (t) => {
  const cluster = new Cluster({
    portMode: 'ephemeral',
    output: null,
    commands: { ...standInCommands(), lb: { command: process.execPath, args: ['-e', 'console.error("lb: bad config"); process.exit(4)'] } }
  })
  t.after(async () => await cluster.stop())
  await assert.rejects(cluster.start(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'STK_ERR_CLUSTER_PROCESS_EXITED')
    assert.match(err.message, /lb exited with code 4/)
    assert.match(err.message, /lb: bad config/)
    return true
  })
  assert.deepEqual(cluster.pids(), [])
})

test('a missing command is reported before anything starts', async () => {
  const cluster = new Cluster({ portMode: 'ephemeral', output: null, commands: { memcached: '/nonexistent/memcached' } })
  await assert.rejects(cluster.start(), { code: 'STK_ERR_CLUSTER_COMMAND_NOT_FOUND' })
  assert.deepEqual(cluster.pids(), [])
})

test('handles reject unknown names with a coded error', async (t) => {
  const pids: number[] = []
  const cluster = await startCluster(t, pids)
  assert.throws(() => cluster.pid('web-9'), { code: 'STK_ERR_CLUSTER_UNKNOWN_PROCESS' })
  assert.throws(() => cluster.webUrl('memcached-1'), { code: 'STK_ERR_CLUSTER_UNKNOWN_PROCESS' })
  await assert.rejects(cluster.start(), { code: 'STK_ERR_CLUSTER_STATE' })
})

test('stop() while start() is still waiting leaves nothing running', async (t) => {
  // restartOnExit: the waits must end because of the stop, not because the processes are gone.
  const cluster = new Cluster({ portMode: 'ephemeral', commands: standInCommands(), output: null, restartOnExit: true })
  t.after(async () => await cluster.stop())
  const starting = cluster.start()
  const pids: number[] = []
  // Collect PIDs as they appear, so the check covers whatever start() got to spawn.
  const collector = setInterval(() => pids.push(...cluster.pids()), 5)
  t.after(() => clearInterval(collector))
  // stop as soon as start() has spawned something, while it still waits for the rest to answer
  await pollUntil(() => cluster.pids().length > 0, { what: 'start() to spawn a process', timeoutMs: 20_000, intervalMs: 5 })
  await cluster.stop()
  clearInterval(collector)
  await assert.rejects(starting, { code: 'STK_ERR_CLUSTER_STATE', message: /stop\(\) was called while starting/ })
  assert.ok(pids.length > 0, 'start() had spawned something')
  assert.deepEqual(cluster.pids(), [])
  assert.deepEqual([...new Set(pids)].filter(isAlive), [])
})
