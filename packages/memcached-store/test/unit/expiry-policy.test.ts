// The expiry rules on their own, with a made-up clock.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { expiresOf, extendEvery, hasExpired, isoMs, isoText, isRolling, planWrite, reportedExpiry, reportExpiry, requestedExpiry, saveIsDue, storedExpiry, ttlSeconds } from '../../src/policy/expiry.js'

const settings = { idleTimeoutMs: 30 * 60_000, absoluteTimeoutMs: 12 * 3600_000, touchAfterMs: 180_000 }
const forever = { ...settings, absoluteTimeoutMs: 1e15 }
const T0 = Date.UTC(2030, 0, 1)

test('the cookie decides the end: expires, else now + maxAge, else the idle timeout', () => {
  assert.equal(requestedExpiry({ originalMaxAge: 5000, expires: new Date(T0 + 4000) }, T0, settings), T0 + 4000)
  assert.equal(requestedExpiry({ originalMaxAge: 5000 }, T0, settings), T0 + 5000)
  assert.equal(requestedExpiry({ originalMaxAge: null, expires: new Date(T0 + 7000).toISOString() }, T0, settings), T0 + 7000)
  assert.equal(requestedExpiry({}, T0, settings), T0 + settings.idleTimeoutMs)
  assert.equal(requestedExpiry(undefined, T0, settings), T0 + settings.idleTimeoutMs)
})

test('a fixed expires does not roll; maxAge and browser-session cookies do', () => {
  assert.equal(isRolling({ originalMaxAge: null, expires: new Date(T0) }), false)
  assert.equal(isRolling({ originalMaxAge: 1000, expires: new Date(T0) }), true)
  assert.equal(isRolling({}), true)
  assert.equal(extendEvery({ originalMaxAge: null, expires: new Date(T0) }, settings), 0)
})

test('the extension interval follows the session\'s maxAge, never above touchAfterMs', () => {
  assert.equal(extendEvery({ originalMaxAge: 3000 }, settings), 300)
  assert.equal(extendEvery({ originalMaxAge: 24 * 3600_000 }, settings), settings.touchAfterMs)
  assert.equal(extendEvery({}, settings), settings.touchAfterMs)
  for (const maxAge of [100, 1000, 3000, 60_000, 3_600_000]) {
    assert.ok(extendEvery({ originalMaxAge: maxAge }, settings) <= maxAge / 2, `at most half of ${maxAge}`)
  }
})

test('requests within maxAge of each other never find the session expired, whatever maxAge and the gaps', () => {
  for (const maxAge of [1000, 3000, 10_000, 45 * 60_000]) {
    const cookieAt = (now: number): { originalMaxAge: number, expires: Date } => ({ originalMaxAge: maxAge, expires: new Date(now + maxAge) })
    let now = T0
    let recorded = storedExpiry(cookieAt(now), T0, now, forever)
    let writes = 1
    // gaps from tiny to just under maxAge, in a pattern that mixes skipped and written saves
    const gaps = [1, maxAge * 0.05, maxAge * 0.99, maxAge * 0.3, maxAge * 0.09, maxAge * 0.95, 2, maxAge * 0.5]
    for (let i = 0; i < 200; i++) {
      now += Math.floor(gaps[i % gaps.length]!)
      assert.equal(hasExpired(recorded, now), false, `maxAge ${maxAge}: expired at request ${i}`)
      if (saveIsDue(cookieAt(now), recorded, now, forever)) {
        recorded = planWrite(cookieAt(now), { expires: undefined, endsAt: recorded, maxAge }, T0, now, forever).endsAt
        writes++
      }
      // never beyond the cookie's end by more than the interval
      assert.ok(recorded - (now + maxAge) <= extendEvery(cookieAt(now), settings))
    }
    assert.ok(writes < 200, `maxAge ${maxAge}: some saves skipped (${writes} writes)`)
    // idle past maxAge plus the margin: gone
    assert.equal(hasExpired(recorded, now + maxAge + extendEvery(cookieAt(now), settings) + 1), true)
  }
})

test('rolling off: nothing extends a session between saves, so its end is fixed', () => {
  const cookie = { originalMaxAge: 2000, expires: new Date(T0 + 2000) }
  const recorded = storedExpiry(cookie, T0, T0, settings)
  assert.equal(recorded, T0 + 2000 + 200)
  assert.equal(hasExpired(recorded, T0 + 2199), false)
  assert.equal(hasExpired(recorded, T0 + 2200), true)
})

test('a fixed expires is recorded exactly, and an unchanged save of it is not due', () => {
  const cookie = { originalMaxAge: null, expires: new Date(T0 + 9000) }
  const recorded = storedExpiry(cookie, T0, T0, settings)
  assert.equal(recorded, T0 + 9000)
  assert.equal(saveIsDue(cookie, recorded, T0 + 5000, settings), false)
  assert.equal(saveIsDue({ ...cookie, expires: new Date(T0 + 20_000) }, recorded, T0 + 5000, settings), true)
})

test('an expiry already past is recorded as past (a miss), without a margin', () => {
  const recorded = storedExpiry({ originalMaxAge: 60_000, expires: new Date(T0 - 1) }, T0, T0, settings)
  assert.equal(hasExpired(recorded, T0), true)
})

test('the absolute lifetime caps the end; values without a recorded end always take a save', () => {
  assert.equal(storedExpiry({ originalMaxAge: 60_000 }, T0, T0 + settings.absoluteTimeoutMs - 1000, settings), T0 + settings.absoluteTimeoutMs)
  assert.equal(saveIsDue({ originalMaxAge: 1000 }, undefined, T0, settings), true)
  assert.equal(hasExpired(undefined, T0), false)
})

test('the memcached TTL covers the recorded end, in whole seconds plus one', () => {
  assert.equal(ttlSeconds(T0 + 1500, T0, 2_592_000), 3)
  assert.equal(ttlSeconds(T0 - 5000, T0, 2_592_000), 1)
  assert.equal(ttlSeconds(T0 + 90 * 24 * 3600_000, T0, 2_592_000), 2_592_000)
})

test('handing back the expiry a read reported records it one ms later, margin once; each write a distinct expiry', () => {
  const first = planWrite({ originalMaxAge: 10_000 }, undefined, T0, T0, settings)
  assert.deepEqual(first, { expires: T0 + 10_000, endsAt: T0 + 11_000 })
  const handedBack = { originalMaxAge: 10_000, expires: new Date(first.expires) }
  assert.deepEqual(planWrite(handedBack, { expires: first.expires, endsAt: first.endsAt, maxAge: 10_000 }, T0, T0 + 50, settings), { expires: T0 + 10_001, endsAt: T0 + 11_001 })
  const fixed = { originalMaxAge: null, expires: new Date(T0 + 5000) }
  assert.deepEqual(planWrite(fixed, { expires: T0 + 5000, endsAt: T0 + 5000, maxAge: null }, T0, T0 + 10, settings), { expires: T0 + 5001, endsAt: T0 + 5001 })
  assert.deepEqual(planWrite(fixed, undefined, T0, T0 + 10, settings), { expires: T0 + 5000, endsAt: T0 + 5000 })
})

test('a read reports the expiry written, a later one a skipped save asked for, or the margin\'s end once that has passed', () => {
  assert.equal(reportedExpiry(T0 + 1000, undefined, T0 + 1100, T0), T0 + 1000)
  assert.equal(reportedExpiry(T0 + 1000, T0 + 1050, T0 + 1100, T0), T0 + 1050)
  assert.equal(reportedExpiry(T0 + 1000, undefined, T0 + 1100, T0 + 1000), T0 + 1100, 'alive in its margin: not reported as expired')
  assert.equal(reportedExpiry(undefined, undefined, T0 + 1100, T0), T0 + 1100)
})

test('toISOString\'s own form is read and written by hand with Date\'s results; any other text is left to Date', () => {
  const samples = [0, 1, 951_782_399_999, 951_782_400_000, 951_868_800_000, 4_107_542_400_000, 253_402_300_799_999, T0, T0 + 123_456_789]
  for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 253_402_300_800_000))
  for (const ms of samples) {
    const text = new Date(ms).toISOString()
    assert.equal(isoText(ms), text)
    assert.equal(isoMs(text), ms)
    assert.equal(expiresOf({ expires: text }), ms)
  }
  // Date reads these too (or not), each its own way: the hand-written reader declines them
  for (const text of ['2030-02-30T00:00:00.000Z', '2030-01-01T24:00:00.000Z', '1969-12-31T23:59:59.999Z', '2030-01-01T00:00:00.000+', '2030-01-01 00:00:00.000Z', '+002030-01-01T00:00:00.000Z', '2030-01-01T00:00:00.0a0Z', '2030-01-01']) {
    assert.equal(isoMs(text), undefined, text)
    const viaDate = new Date(text).getTime()
    assert.equal(expiresOf({ expires: text }), Number.isFinite(viaDate) ? viaDate : undefined, text)
  }
  assert.equal(isoText(-1), new Date(-1).toISOString())
  assert.equal(isoText(1.5), new Date(1.5).toISOString())
})

test('a read reports the expiry as toISOString writes it, whatever form the item held', () => {
  const canonical = { expires: new Date(T0 + 60_000).toISOString() }
  reportExpiry(canonical, T0 + 66_000, undefined, T0)
  assert.equal(canonical.expires, new Date(T0 + 60_000).toISOString())
  const other = { expires: new Date(T0 + 60_000).toUTCString() }
  reportExpiry(other, T0 + 66_000, undefined, T0)
  assert.equal(other.expires, new Date(T0 + 60_000).toISOString())
  const pending = { expires: new Date(T0 + 60_000).toISOString() }
  reportExpiry(pending, T0 + 66_000, T0 + 61_000, T0)
  assert.equal(pending.expires, new Date(T0 + 61_000).toISOString())
})
