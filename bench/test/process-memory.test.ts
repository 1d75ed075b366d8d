import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fdSoftLimit, openFds, processTree, rssBytes } from '../src/process-memory.js'

test('a process tree holds the process and its children; its RSS counts the children too', async (t) => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  t.after(() => { child.kill('SIGKILL') })
  await once(child, 'spawn')
  const pid = child.pid as number
  assert.ok(processTree(process.pid).includes(pid), 'the child is in our tree')
  assert.deepEqual(processTree(pid), [pid], 'the child has no children')
  assert.ok(rssBytes(pid) > 1024 * 1024, 'a Node process holds more than 1 MB')
  assert.ok(rssBytes(process.pid) > rssBytes(pid), 'our tree counts the child as well as us')
})

test('descriptors and their limit are read from /proc; a pid that is gone gives nothing, not an error', () => {
  const fds = openFds(process.pid).get(process.pid)
  assert.ok(fds !== undefined && fds >= 3, 'stdin, stdout and stderr at least')
  const limit = fdSoftLimit(process.pid)
  assert.ok(limit !== undefined && limit >= (fds ?? 0))
  // pid_max is at most 2^22: this one cannot exist
  assert.equal(fdSoftLimit(2 ** 23), undefined)
  assert.equal(rssBytes(2 ** 23), 0)
  assert.deepEqual([...openFds(2 ** 23)], [])
})
