import { test, mock } from 'node:test'
import assert from 'node:assert/strict'
import { GetBatcher, Silenced } from '../../src/connection/get-batcher.js'
import { HedgeWatch } from '../../src/connection/hedge-watch.js'
import { Silence } from '../../src/policy/silence.js'
import type { CasValue } from '../../src/connection/command-channel.js'
import { mockClock } from '../helpers/mock-clock.js'

// A batcher over a fake server: each multi-get it sends is recorded, marks
// the server as owing a reply (as ServerConnection.run does), and is answered
// when the test says. The hedge's timer is mocked, and the silence's clock
// follows it.
function setup (): {
  batcher: GetBatcher
  sent: Array<{ keys: string[], answer: (items: Record<string, string>) => void, fail: (err: Error) => void }>
  tick: (ms: number) => Promise<void>
} {
  const { now, tick } = mockClock()
  const silence = new Silence(now)
  const watches = new Map<number, HedgeWatch>()
  const sent: ReturnType<typeof setup>['sent'] = []
  const batcher = new GetBatcher((keys) => new Promise<ReadonlyMap<string, CasValue>>((resolve, reject) => {
    const { id } = silence.send(10_000)
    const settle = (): void => { silence.replied(); silence.settled(id) }
    sent.push({
      keys,
      answer: (items) => { settle(); resolve(new Map(Object.entries(items).map(([k, v]) => [k, { value: v, cas: '1' }]))) },
      fail: (err) => { settle(); reject(err) }
    })
  }), (silentMs) => {
    let w = watches.get(silentMs)
    if (w === undefined) watches.set(silentMs, w = new HedgeWatch(silence, silentMs, now))
    return w
  })
  return { batcher, sent, tick }
}

function observe<T> (p: Promise<T>): { value: T | undefined, error: unknown } {
  const seen: { value: T | undefined, error: unknown } = { value: undefined, error: undefined }
  p.then((v) => { seen.value = v }, (err: unknown) => { seen.error = err })
  return seen
}

test('the gets of one turn go out as one multi-get, and each caller gets its key', async (t) => {
  t.after(() => { mock.timers.reset() })
  const { batcher, sent, tick } = setup()
  const a = observe(batcher.get('a'))
  const b = observe(batcher.get('b'))
  const a2 = observe(batcher.get('a'))
  await tick(0)
  assert.deepEqual(sent.map((s) => s.keys), [['a', 'b']])
  sent[0]?.answer({ a: 'A' })
  await tick(0)
  assert.deepEqual([a.value, a2.value, b.value], [{ value: 'A', cas: '1' }, { value: 'A', cas: '1' }, undefined])
})

test('a hedged get is told Silenced once the server says nothing for its time, and can still have the answer', async (t) => {
  t.after(() => { mock.timers.reset() })
  const { batcher, sent, tick } = setup()
  const hedged = observe(batcher.get('a', 500))
  const plain = observe(batcher.get('b'))
  await tick(0) // the multi-get goes out
  await tick(499)
  assert.equal(hedged.value, undefined)
  await tick(1)
  assert.ok((hedged.value as unknown) instanceof Silenced)
  assert.equal(plain.value, undefined, 'a get that is not hedged waits for the answer')
  sent[0]?.answer({ a: 'A', b: 'B' })
  await tick(0)
  assert.deepEqual(await (hedged.value as unknown as Silenced).pending, { value: 'A', cas: '1' })
  assert.deepEqual(plain.value, { value: 'B', cas: '1' })
})

test('an answer before the hedge reaches every get, and nothing is told Silenced after it', async (t) => {
  t.after(() => { mock.timers.reset() })
  const { batcher, sent, tick } = setup()
  const hedged = observe(batcher.get('a', 500))
  await tick(0) // the multi-get goes out
  await tick(100)
  sent[0]?.answer({ a: 'A' })
  await tick(1000)
  assert.deepEqual(hedged.value, { value: 'A', cas: '1' })
})

test('a failed multi-get fails every get of it, told Silenced or not', async (t) => {
  t.after(() => { mock.timers.reset() })
  const { batcher, sent, tick } = setup()
  const hedged = observe(batcher.get('a', 500))
  const plain = observe(batcher.get('b'))
  await tick(0) // the multi-get goes out
  await tick(500)
  assert.ok((hedged.value as unknown) instanceof Silenced)
  const later = observe((hedged.value as unknown as Silenced).pending)
  sent[0]?.fail(new Error('boom'))
  await tick(0)
  assert.equal((plain.error as Error).message, 'boom')
  assert.equal((later.error as Error).message, 'boom')
})
