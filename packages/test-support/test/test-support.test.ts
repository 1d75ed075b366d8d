// The shared helpers themselves: a poll that gives up says what it waited
// for, and every memcached a test starts is gone, by PID, when it ends.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { commandCounts, isAlive, MemcachedProcess, memcachedArgs, pollUntil, rawCommand, rawGet, startMemcached, stats, waitFor, WaitTimeoutError } from '../src/index.js'

test('pollUntil returns the first value other than undefined or false, and stops asking', async () => {
  let calls = 0
  const value = await pollUntil(() => { calls++; return calls === 1 ? undefined : calls === 2 ? false : 'third' }, { what: 'the third call', timeoutMs: 5_000, intervalMs: 1 })
  assert.equal(value, 'third')
  assert.equal(calls, 3)
})

test('pollUntil gives up with what it waited for, bounded by count as well as by time', async () => {
  let calls = 0
  await assert.rejects(pollUntil(() => { calls++; return undefined }, { what: 'a thing that never comes', timeoutMs: 50, intervalMs: 10 }),
    (err: unknown) => err instanceof WaitTimeoutError && err.message === 'timed out after 50 ms waiting for a thing that never comes')
  // at most timeoutMs / intervalMs + 1 attempts
  assert.ok(calls >= 1 && calls <= 6, `${calls} attempts`)
})

test('a throw from the check ends pollUntil at once with that error: it means "never", not "not yet"', async () => {
  let calls = 0
  const never = new Error('the process exited')
  await assert.rejects(pollUntil(() => { calls++; throw never }, { what: 'a process that is gone', timeoutMs: 5_000, intervalMs: 1 }), (err: unknown) => err === never)
  assert.equal(calls, 1)
})

test('waitFor resolves on true and rejects naming its wait', async () => {
  let n = 0
  await waitFor('n to reach 2', () => ++n >= 2, 5_000, 1)
  assert.equal(n, 2)
  await assert.rejects(waitFor('never', () => false, 30, 10), { message: /waiting for never/ })
})

test('memcachedArgs: loopback, no UDP, the asked memory; the user named only as root', () => {
  const args = memcachedArgs(12345, { memoryMb: 256, maxConnections: 4096 })
  assert.deepEqual(args.slice(0, 12), ['-l', '127.0.0.1', '-p', '12345', '-U', '0', '-m', '256', '-t', '1', '-c', '4096'])
  assert.equal(args.includes('-u'), process.getuid?.() === 0)
})

test('startMemcached: servers that answer, counted by stats, stopped by PID when the test ends', async (t) => {
  let pids: number[] = []
  let ports: number[] = []
  await t.test('a test that starts two servers', async (inner) => {
    const servers = await startMemcached(inner, 2)
    pids = servers.map((s) => s.pid as number)
    ports = servers.map((s) => s.port)
    assert.ok(pids.every(isAlive))
    assert.equal(await rawCommand(servers[0]!.port, 'set k 0 0 2\r\nhi\r\n'), 'STORED')
    assert.equal(await rawGet(servers[0]!.port, 'k'), 'hi')
    assert.deepEqual(await commandCounts(ports), { get: 1, set: 1, touch: 0, cas: 0 })
    assert.equal((await stats(servers[1]!.port)).get('curr_items'), 0)
  })
  assert.equal(pids.length, 2)
  assert.deepEqual(pids.filter(isAlive), [], 'every server the inner test started is gone')
  for (const port of ports) await assert.rejects(rawCommand(port, 'version\r\n'), { code: 'ECONNREFUSED' })
})

test('a restarted server comes back on its port, empty', async (t) => {
  const [server] = await startMemcached(t, 1)
  assert.ok(server !== undefined)
  assert.equal(await rawCommand(server.port, 'set k 0 0 1\r\nx\r\n'), 'STORED')
  await server.restart()
  assert.equal(await rawGet(server.port, 'k'), undefined)
})

test('a port another server already holds is not taken for this one: its memcached exits and start() says so', async (t) => {
  const [other] = await startMemcached(t, 1)
  assert.ok(other !== undefined)
  const clash = new MemcachedProcess(other.port)
  t.after(async () => { await clash.kill() })
  await assert.rejects(clash.start(), { message: new RegExp(`^memcached on ${other.port} exited with \\d+$`) })
})
