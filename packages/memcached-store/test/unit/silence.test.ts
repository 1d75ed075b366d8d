import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Silence } from '../../src/policy/silence.js'

function clock (): { now: () => number, advance: (ms: number) => void } {
  let t = 1_000
  return { now: () => t, advance: (ms) => { t += ms } }
}

test('a command sent to a quiet server waits its own full timeout', () => {
  const c = clock()
  const s = new Silence(c.now)
  assert.equal(s.silentSince(), undefined)
  const { deadline } = s.send(1000)
  assert.deepEqual(deadline, { at: 2000, inherited: false })
  assert.equal(s.silentSince(), 1000)
})

test('a command sent while the server already owes a reply waits only the rest of that timeout', () => {
  const c = clock()
  const s = new Silence(c.now)
  s.send(1000) // the read's gets, at 1000
  c.advance(500) // the read passes over the server and answers from the next replica
  assert.equal(s.silentFor(), 500)
  const write = s.send(1000) // the same request's write, to the same server
  assert.deepEqual(write.deadline, { at: 2000, inherited: true }, 'both give up at the same moment: one timeout in all')
})

test('any reply ends the silence: the next command counts from the reply', () => {
  const c = clock()
  const s = new Silence(c.now)
  const first = s.send(1000)
  c.advance(300)
  s.replied()
  s.settled(first.id)
  assert.equal(s.silentSince(), undefined, 'owes nothing')
  s.send(1000)
  c.advance(100)
  s.replied() // a reply to something else while this command is still owed
  c.advance(100)
  assert.equal(s.silentSince(), 1400)
  const next = s.send(1000)
  assert.deepEqual(next.deadline, { at: 2400, inherited: true }, 'counted from the last reply, a busy server is not silent')
})

test('a command given up on stops keeping the server silent', () => {
  const c = clock()
  const s = new Silence(c.now)
  const first = s.send(1000)
  c.advance(1000)
  s.settled(first.id) // timed out: the server is marked down
  c.advance(15_000)
  const probe = s.send(1000) // the probe after retry_interval gets a whole timeout
  assert.deepEqual(probe.deadline, { at: 17_000 + 1000, inherited: false })
})

test('a silence older than a whole timeout (commands kept alive by a late loop) gives the new command its own timeout', () => {
  const c = clock()
  const s = new Silence(c.now)
  s.send(1000)
  c.advance(1200) // our loop ran late: the first command was given grace, and is still owed
  const next = s.send(1000)
  assert.deepEqual(next.deadline, { at: 3200, inherited: false })
})

test('the oldest command still owed marks the start of the silence', () => {
  const c = clock()
  const s = new Silence(c.now)
  const a = s.send(1000)
  c.advance(100)
  s.send(1000)
  c.advance(100)
  assert.equal(s.silentSince(), 1000)
  s.settled(a.id)
  assert.equal(s.silentSince(), 1100)
  assert.equal(s.silentFor(), 100)
})
