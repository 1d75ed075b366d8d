import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJson, encodeJson } from '../../src/record/codec.js'

test('Dates round-trip as Dates, nested and in arrays', () => {
  const at = new Date('2026-01-02T03:04:05.678Z')
  const back = decodeJson(encodeJson({ at, list: [at], deep: { at } })) as { at: Date, list: Date[], deep: { at: Date } }
  assert.ok(back.at instanceof Date)
  assert.equal(back.at.getTime(), at.getTime())
  assert.ok(back.list[0] instanceof Date)
  assert.equal(back.deep.at.toISOString(), at.toISOString())
})

test('an invalid Date stays an invalid Date, not a crash', () => {
  const back = decodeJson(encodeJson({ d: new Date(NaN) })) as { d: Date }
  assert.ok(Number.isNaN(back.d.getTime()))
})

test('__proto__, constructor and prototype keys are dropped on the way in', () => {
  const text = '{"a":1,"__proto__":{"polluted":true},"nested":{"constructor":{"prototype":{"x":1}},"ok":2}}'
  const back = decodeJson(text) as Record<string, unknown>
  const target: Record<string, unknown> = {}
  for (const key in back) target[key] = back[key] // what @fastify/session does with a stored session
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
  assert.equal(Object.getPrototypeOf(target), Object.prototype)
  assert.equal(Object.prototype.hasOwnProperty.call(back, '__proto__'), false)
  assert.deepEqual(back, { a: 1, nested: { ok: 2 } })
})

test('parsing runs no code: functions and getters do not survive', () => {
  const back = decodeJson(encodeJson({ f: () => 1, n: 1 })) as Record<string, unknown>
  assert.deepEqual(back, { n: 1 })
})
