import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ValueCipher } from '../../src/record/cipher.js'
import { RecordCodec } from '../../src/record/record-codec.js'

const codec = new RecordCodec(new ValueCipher([]), 1024 * 1024)

test('the wire keeps its short keys: an item written before the names changed reads as the same record', () => {
  const stored = '{"v":3,"c":1000,"w":2000,"t":60,"e":9000,"k":{"originalMaxAge":5000}}\n{"user":"alice","cart":["a"]}'
  const decoded = codec.decode('stk:s:x', stored)
  assert.deepEqual(decoded?.record, {
    version: 3,
    createdAt: 1000,
    writtenAt: 2000,
    ttlS: 60,
    endsAt: 9000,
    cookie: { originalMaxAge: 5000 },
    data: { user: 'alice', cart: ['a'] }
  })
  assert.equal(decoded?.dataText, '{"user":"alice","cart":["a"]}')
})

test('a record is stored with the short keys, and a tombstone as x:1 without data', () => {
  const live = codec.encode('stk:s:x', { version: 1, createdAt: 5, writtenAt: 6, ttlS: 7, endsAt: 8, cookie: { path: '/' }, data: { a: 1 } })
  assert.deepEqual(JSON.parse(live.slice(0, live.indexOf('\n'))), { v: 1, c: 5, w: 6, t: 7, k: { path: '/' }, e: 8 })
  const tomb = codec.encode('stk:s:x', { version: Number.MAX_SAFE_INTEGER, createdAt: 5, writtenAt: 5, ttlS: 9, destroyed: true })
  assert.equal(tomb, `{"v":${Number.MAX_SAFE_INTEGER},"c":5,"w":5,"t":9,"x":1}\n`)
  assert.equal(codec.decode('stk:s:x', tomb)?.record.destroyed, true)
})

test('values we did not write are not records', () => {
  for (const stored of [42, 'no newline', '{"v":"1","c":1,"w":1,"t":1}\n{}', '{"v":1,"c":1,"w":1,"t":1,"k":5}\n{}', '{"v":1,"c":1,"w":1,"t":1}\n[1]', 'null\n{}']) {
    assert.equal(codec.decode('stk:s:x', stored), undefined, String(stored))
  }
})

test('reading the same value again gives the same record, never an object another read holds', () => {
  const memo = new RecordCodec(new ValueCipher([]), 1024 * 1024)
  const stored = '{"v":3,"c":1000,"w":2000,"t":60,"e":9000,"k":{"originalMaxAge":5000,"expires":"2030-01-01T00:00:00.000Z"},"l":["a","b"]}\n{"user":"alice","cart":["a"],"at":{"$date":"2030-01-01T00:00:00.000Z"},"deep":{"list":[{"x":1}]}}'
  const first = memo.decode('stk:s:x', stored)
  const second = memo.decode('stk:s:x', stored)
  assert.ok(first !== undefined && second !== undefined)
  assert.deepEqual(second, first)
  assert.deepEqual(Object.keys(second.record), Object.keys(first.record), 'fields in the same order')
  assert.deepEqual(Object.keys(second.record.data ?? {}), ['user', 'cart', 'at', 'deep'])
  assert.ok((second.record.data?.at as Date) instanceof Date)
  // a reader changing what it got changes nothing another reader gets
  first.record.cookie!.expires = 'changed'
  ;(first.record.data!.cart as string[]).push('b')
  ;((first.record.data!.deep as { list: Array<{ x: number }> }).list[0] as { x: number }).x = 2
  ;(first.record.data!.at as Date).setTime(0)
  first.record.lineage!.push('c')
  const third = memo.decode('stk:s:x', stored)
  assert.deepEqual(third, second)
  assert.equal(memo.decode('stk:s:y', stored)?.record.version, 3, 'another key')
  const changed = stored.replace('"alice"', '"bob"')
  assert.equal(memo.decode('stk:s:x', changed)?.record.data?.user, 'bob', 'a new value of the key is decoded')
  assert.equal(memo.decode('stk:s:x', 'garbage'), undefined)
  assert.equal(memo.decode('stk:s:x', changed)?.record.data?.user, 'bob')
})
