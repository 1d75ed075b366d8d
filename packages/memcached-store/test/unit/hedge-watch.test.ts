import { test, mock } from 'node:test'
import assert from 'node:assert/strict'
import { HedgeWatch, SILENT } from '../../src/connection/hedge-watch.js'
import { Silence } from '../../src/policy/silence.js'
import { mockClock } from '../helpers/mock-clock.js'

// The watch's timers are mocked (node:test) and its clock and the silence's
// follow them: time moves only when a test ticks it.
function setup (silentMs = 500): { silence: Silence, watch: HedgeWatch, tick: (ms: number) => Promise<void>, lag: (ms: number) => void } {
  const { now, tick, lag } = mockClock()
  const silence = new Silence(now)
  return { silence, watch: new HedgeWatch(silence, silentMs, now), tick, lag }
}

/** A command the server owes a reply to, settled by the test. */
function command (silence: Silence): { pending: Promise<string>, answer: (v: string) => void } {
  const { id } = silence.send(1000)
  let answer!: (v: string) => void
  const pending = new Promise<string>((resolve) => { answer = (v) => { silence.replied(); silence.settled(id); resolve(v) } })
  return { pending, answer }
}

/** What a race has settled to so far: undefined while it waits. */
function observe<T> (p: Promise<T>): { value: T | undefined } {
  const seen: { value: T | undefined } = { value: undefined }
  p.then((v) => { seen.value = v }, () => {})
  return seen
}

test('every read watching a server that says nothing is told SILENT at once, after silentMs and not before', async (t) => {
  t.after(() => { mock.timers.reset() })
  const { silence, watch, tick } = setup()
  const a = observe(watch.race(command(silence).pending))
  const b = observe(watch.race(command(silence).pending))
  await tick(499)
  assert.equal(a.value, undefined)
  assert.equal(b.value, undefined)
  await tick(1)
  assert.equal(a.value, SILENT)
  assert.equal(b.value, SILENT)
})

test('a read whose reply comes first gets the reply, and the others are still told SILENT', async (t) => {
  t.after(() => { mock.timers.reset() })
  const { silence, watch, tick } = setup()
  const first = command(silence)
  const a = observe(watch.race(first.pending))
  await tick(100)
  first.answer('value')
  const b = observe(watch.race(command(silence).pending))
  await tick(0)
  assert.equal(a.value, 'value')
  await tick(499)
  assert.equal(b.value, undefined, 'silent since its own send, 100 ms after the first: not yet')
  await tick(1)
  assert.equal(b.value, SILENT)
})

test('a read that joins a silence already under way is told when that silence reaches silentMs', async (t) => {
  t.after(() => { mock.timers.reset() })
  const { silence, watch, tick } = setup()
  const a = observe(watch.race(command(silence).pending))
  await tick(300)
  const b = observe(watch.race(command(silence).pending))
  await tick(200)
  assert.equal(a.value, SILENT)
  assert.equal(b.value, SILENT, 'the server has said nothing for 500 ms, whoever asked last')
})

test('a server that answers something else is not silent: the watch looks again a period after that answer', async (t) => {
  t.after(() => { mock.timers.reset() })
  const { silence, watch, tick } = setup()
  const a = observe(watch.race(command(silence).pending))
  await tick(400)
  silence.replied() // a reply to another command, still in order behind ours
  await tick(100)
  assert.equal(a.value, undefined)
  await tick(399)
  assert.equal(a.value, undefined)
  await tick(1)
  assert.equal(a.value, SILENT)
})

test('a look that runs late (our own loop was busy) does not blame the server: it looks again a period later', async (t) => {
  t.after(() => { mock.timers.reset() })
  const { silence, watch, tick, lag } = setup()
  const a = observe(watch.race(command(silence).pending))
  lag(300) // the timer is due at 500 and fires at 800: more than a quarter of the period late
  await tick(500)
  assert.equal(a.value, undefined)
  await tick(499)
  assert.equal(a.value, undefined)
  await tick(1)
  assert.equal(a.value, SILENT)
})

test('replies that come in time win, and a read on a server that owes nothing is never told SILENT', async (t) => {
  t.after(() => { mock.timers.reset() })
  const { silence, watch, tick } = setup()
  const one = command(silence)
  const two = command(silence)
  const a = observe(watch.race(one.pending))
  const b = observe(watch.race(two.pending))
  one.answer('1')
  two.answer('2')
  await tick(0)
  assert.deepEqual([a.value, b.value], ['1', '2'])
  const c = observe(watch.race(new Promise<string>(() => {})))
  await tick(500)
  assert.equal(c.value, undefined, 'the server owes nothing: no silence to report')
})
