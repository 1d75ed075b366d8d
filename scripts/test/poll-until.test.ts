// One meaning of a poll: test-support's pollUntil, which every test, every
// benchmark and the local cluster's readiness waits use.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { pollUntil } from '@stickless/test-support'

type Poll = <T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: { what: string, timeoutMs: number, intervalMs?: number }) => Promise<T>

const polls: Array<[string, Poll]> = [['pollUntil', pollUntil]]

for (const [where, poll] of polls) {
  test(`${where}: undefined and false mean "not yet"; the first other value is returned`, async () => {
    let calls = 0
    const value = await poll(() => { calls++; return calls === 1 ? undefined : calls === 2 ? false : 'third' }, { what: 'the third call', timeoutMs: 5_000, intervalMs: 1 })
    assert.equal(value, 'third')
    assert.equal(calls, 3)
  })

  test(`${where}: a throw ends the wait at once, with that error`, async () => {
    let calls = 0
    const never = new Error('the process exited')
    await assert.rejects(poll(() => { calls++; throw never }, { what: 'a process that is gone', timeoutMs: 5_000, intervalMs: 1 }), (err: unknown) => err === never)
    assert.equal(calls, 1)
  })

  test(`${where}: the time running out is a WaitTimeoutError naming the wait`, async () => {
    await assert.rejects(poll(() => false, { what: 'something that never comes', timeoutMs: 30, intervalMs: 5 }),
      (err: unknown) => err instanceof Error && err.name === 'WaitTimeoutError' && err.message === 'timed out after 30 ms waiting for something that never comes')
  })
}

test('an aborted signal ends the wait with its reason', async () => {
  const controller = new AbortController()
  const stopped = new Error('the cluster is stopping')
  let calls = 0
  const waiting = pollUntil(() => { calls++; if (calls === 2) controller.abort(stopped); return false }, { what: 'a stop', timeoutMs: 5_000, intervalMs: 1, signal: controller.signal })
  await assert.rejects(waiting, (err: unknown) => err === stopped)
  assert.equal(calls, 2)
})
