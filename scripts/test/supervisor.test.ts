import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { Supervisor } from '../src/cluster/process/supervisor.js'
import { isAlive, pollUntil } from '@stickless/test-support'

/**
 * A child that prints its name and a partial line, then idles until
 * signalled. One write: a second one could still be queued in the child when
 * the test's SIGTERM ends it (seen once on Node 24), and the partial line lost.
 */
const idle = (name: string, extra = ''): { name: string, command: string, args: string[] } => ({
  name,
  command: process.execPath,
  args: ['-e', `${extra}; process.stdout.write('hello from ' + ${JSON.stringify(name)} + '\\npartial'); setInterval(() => {}, 1000)`]
})

function capture (): { stream: Writable, text: () => string } {
  let text = ''
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { text += chunk.toString(); done() } })
  return { stream, text: () => text }
}

test('prefixes every output line with the process name, and a partial line once it ends', async (t) => {
  const out = capture()
  const supervisor = new Supervisor({ output: out.stream, colour: false, handleParentExit: false })
  t.after(async () => await supervisor.stop())
  supervisor.start(idle('web-2'))
  await pollUntil(() => out.text().includes('hello from web-2'), { what: 'output', timeoutMs: 5_000 })
  assert.match(out.text(), /^web-2 {7}\| hello from web-2\n/m)
  await supervisor.stopProcess('web-2')
  await pollUntil(() => out.text().includes('| partial'), { what: 'the partial line', timeoutMs: 5_000 })
  assert.deepEqual(supervisor.logs('web-2').slice(0, 2), ['hello from web-2', 'partial'])
})

test('colours the prefix when asked to', async (t) => {
  const out = capture()
  const supervisor = new Supervisor({ output: out.stream, colour: true, handleParentExit: false })
  t.after(async () => await supervisor.stop())
  supervisor.start(idle('lb'))
  await pollUntil(() => out.text().includes('hello from lb'), { what: 'output', timeoutMs: 5_000 })
  // The first process gets the first palette colour, cyan (ESC[36m ... ESC[39m).
  assert.ok(out.text().includes('\u001b[36mlb          |\u001b[39m hello from lb'), JSON.stringify(out.text()))
})

test('restarts a process that dies unexpectedly, after the delay', async (t) => {
  const supervisor = new Supervisor({ output: null, restartOnExit: true, restartDelayMs: 50, handleParentExit: false })
  t.after(async () => await supervisor.stop())
  supervisor.start(idle('memcached-1'))
  const first = supervisor.pid('memcached-1')
  assert.ok(first !== undefined)
  process.kill(first, 'SIGKILL')
  await pollUntil(() => supervisor.pid('memcached-1') !== undefined && supervisor.pid('memcached-1') !== first, { what: 'a new pid', timeoutMs: 5_000 })
  assert.equal(isAlive(first), false)
  assert.match(supervisor.logs('memcached-1').join('\n'), /exited with signal SIGKILL; restarting in 50 ms/)
})

test('does not restart a process killed on purpose, nor one that exits when restarts are off; restarts one that crashes when they are on', async (t) => {
  // The supervisor decides on the child's exit, before kill() and
  // waitForExit() resolve, and notes its decision: the notes are the verdict,
  // no waiting for a restart that should not come.
  const supervisor = new Supervisor({ output: null, restartOnExit: true, restartDelayMs: 10, handleParentExit: false })
  t.after(async () => await supervisor.stop())
  supervisor.start(idle('web-1'))
  const exit = await supervisor.kill('web-1', 'SIGTERM')
  assert.deepEqual(exit, { code: null, signal: 'SIGTERM' })
  assert.equal(supervisor.logs('web-1').at(-1), '[supervisor] stopped (signal SIGTERM)')
  assert.equal(supervisor.isRunning('web-1'), false)

  const crash = { command: process.execPath, args: ['-e', 'process.exit(3)'] }
  const quiet = new Supervisor({ output: null, restartOnExit: false, handleParentExit: false })
  t.after(async () => await quiet.stop())
  quiet.start({ name: 'web-2', ...crash })
  assert.deepEqual(await quiet.waitForExit('web-2', 5_000), { code: 3, signal: null })
  assert.equal(quiet.logs('web-2').at(-1), '[supervisor] exited with code 3')
  assert.equal(quiet.isRunning('web-2'), false)

  // the same crash with restarts on is restarted: the check above can tell
  const restarting = new Supervisor({ output: null, restartOnExit: true, restartDelayMs: 20_000, handleParentExit: false })
  t.after(async () => await restarting.stop())
  restarting.start({ name: 'web-3', ...crash })
  assert.deepEqual(await restarting.waitForExit('web-3', 5_000), { code: 3, signal: null })
  assert.equal(restarting.logs('web-3').at(-1), '[supervisor] exited with code 3; restarting in 20000 ms')
})

test('stop() ends every child by PID: a polite one, one that ignores SIGTERM, and a frozen one', async (t) => {
  const supervisor = new Supervisor({ output: null, stopGraceMs: 300, handleParentExit: false })
  t.after(async () => await supervisor.stop())
  supervisor.start(idle('polite'))
  supervisor.start(idle('stubborn', "process.on('SIGTERM', () => console.log('ignored'))"))
  supervisor.start(idle('frozen'))
  // Wait until each child has installed its handlers, or SIGTERM would arrive before them.
  await pollUntil(() => ['polite', 'stubborn', 'frozen'].every((n) => supervisor.logs(n).length > 0), { what: 'children to start', timeoutMs: 5_000 })
  supervisor.signal('frozen', 'SIGSTOP')
  assert.equal(supervisor.isFrozen('frozen'), true)
  const pids = supervisor.pids()
  assert.equal(pids.length, 3)
  await supervisor.stop()
  assert.deepEqual(pids.filter(isAlive), [])
  assert.deepEqual(supervisor.pids(), [])
  assert.match(supervisor.logs('stubborn').join('\n'), /did not exit 300 ms after SIGTERM; sending SIGKILL/)
})

test('restart() replaces the process under the same name', async (t) => {
  const supervisor = new Supervisor({ output: null, handleParentExit: false })
  t.after(async () => await supervisor.stop())
  supervisor.start(idle('web-3'))
  const before = supervisor.pid('web-3')
  await supervisor.restart('web-3')
  const after = supervisor.pid('web-3')
  assert.ok(before !== undefined && after !== undefined && before !== after)
  assert.equal(isAlive(before), false)
})

test('an unknown name is a coded error', () => {
  const supervisor = new Supervisor({ output: null, handleParentExit: false })
  assert.throws(() => supervisor.pid('web-9'), { code: 'STK_ERR_CLUSTER_UNKNOWN_PROCESS' })
  assert.throws(() => new Supervisor({ stopGraceMs: -1 }), { code: 'STK_ERR_CLUSTER_INVALID_OPTION' })
})
