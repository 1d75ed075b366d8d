import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MemcacheClient, MemcacheConnection, Status } from 'memcache-client'
import { leanReplies } from '../../src/connection/lean-replies.js'

// The lean parser must read every reply as memcache-client's own parser
// does, however the socket splits it: both are fed the same bytes in the
// same chunks, and what each command ends with is compared.

interface Outcome { error?: string, data?: unknown, results: Record<string, { casUniq: unknown, value: unknown, tokens: unknown }> }

interface Internals {
  _status: number
  _cmdQueue: Array<{ results: Record<string, unknown>, callback: (err?: Error | null, data?: unknown) => void }>
  onData: (data: Buffer) => void
}

function connection (lean: boolean): { feed: (chunk: Buffer) => void, expect: (n: number) => Outcome[] } {
  const client = new MemcacheClient({ server: '127.0.0.1:1' })
  const conn = new MemcacheConnection(client, {} as never) as unknown as Internals
  conn._status = Status.READY
  if (lean) leanReplies(conn)
  const outcomes: Outcome[] = []
  return {
    feed: (chunk) => { conn.onData(chunk) },
    expect: (n) => {
      for (let i = 0; i < n; i++) {
        const outcome: Outcome = { results: Object.create(null) as Outcome['results'] }
        outcomes.push(outcome)
        const context = {
          results: outcome.results as Record<string, unknown>,
          callback: (err?: Error | null, data?: unknown) => {
            if (err !== undefined && err !== null) outcome.error = err.message
            else outcome.data = data
          }
        }
        conn._cmdQueue.unshift(context)
      }
      return outcomes
    }
  }
}

/** One command's reply as memcached sends it. */
type Reply = { kind: 'values', items: Array<{ key: string, flags: number, cas: number, value: Uint8Array }> } | { kind: 'line', line: string }

function bytesOf (reply: Reply): Buffer {
  if (reply.kind === 'line') return Buffer.from(`${reply.line}\r\n`)
  const parts: Buffer[] = []
  for (const item of reply.items) {
    parts.push(Buffer.from(`VALUE ${item.key} ${item.flags} ${item.value.length} ${item.cas}\r\n`), Buffer.from(item.value), Buffer.from('\r\n'))
  }
  parts.push(Buffer.from('END\r\n'))
  return Buffer.concat(parts)
}

/** Comparable: a Buffer value as hex (memcache-client gives binary values as Buffers). */
function plain (outcomes: Outcome[]): unknown {
  return outcomes.map((o) => ({
    error: o.error,
    data: o.data,
    results: Object.fromEntries(Object.entries(o.results).map(([k, v]) => [k, { casUniq: v.casUniq, tokens: v.tokens, value: Buffer.isBuffer(v.value) ? `hex:${v.value.toString('hex')}` : v.value }]))
  }))
}

function parseBoth (replies: readonly Reply[], cuts: readonly number[]): { client: unknown, lean: unknown } {
  const bytes = Buffer.concat(replies.map(bytesOf))
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let from = 0
  for (const c of [...at, bytes.length]) {
    if (c > from) chunks.push(bytes.subarray(from, c))
    from = Math.max(from, c)
  }
  const run = (lean: boolean): unknown => {
    const conn = connection(lean)
    const outcomes = conn.expect(replies.length)
    // every chunk a buffer of its own, as a socket hands them out
    for (const chunk of chunks) conn.feed(Buffer.from(chunk))
    return plain(outcomes)
  }
  return { client: run(false), lean: run(true) }
}

const key = fc.stringMatching(/^[A-Za-z0-9:_-]{1,40}$/)
const item = fc.record({
  key,
  // 0: a string (what the store writes); 4 numeric, 8 binary: the client's own unpacking
  flags: fc.constantFrom(0, 0, 0, 4, 8),
  cas: fc.nat(),
  // values may hold \r\n, and bytes that are not UTF-8
  value: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(`${s}\r\n${s}`)))
})
const reply: fc.Arbitrary<Reply> = fc.oneof(
  fc.record({ kind: fc.constant('values' as const), items: fc.uniqueArray(item, { maxLength: 6, selector: (i) => i.key }) }),
  fc.record({ kind: fc.constant('line' as const), line: fc.constantFrom('STORED', 'EXISTS', 'NOT_FOUND', 'NOT_STORED', 'DELETED', 'TOUCHED', 'SERVER_ERROR out of memory storing object', 'CLIENT_ERROR bad data chunk', 'ERROR') })
)

test('replies read as memcache-client reads them, however the socket splits them', () => {
  fc.assert(fc.property(fc.array(reply, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (replies, cuts) => {
    const { client, lean } = parseBoth(replies, cuts)
    assert.deepEqual(lean, client)
  }), { numRuns: 500 })
})

test('a multi-get reply split in two at every byte', () => {
  const replies: Reply[] = [
    { kind: 'values', items: [{ key: 'stickless:s:a', flags: 0, cas: 7, value: new TextEncoder().encode('{"v":1}') }, { key: 'stickless:s:b', flags: 8, cas: 9, value: Uint8Array.from([13, 10, 0, 255]) }] },
    { kind: 'line', line: 'STORED' }
  ]
  const length = Buffer.concat(replies.map(bytesOf)).length
  for (let cut = 0; cut <= length; cut++) {
    const { client, lean } = parseBoth(replies, [cut])
    assert.deepEqual(lean, client, `split at ${cut}`)
  }
  const { lean } = parseBoth(replies, [])
  assert.deepEqual((lean as Array<{ results: Record<string, { value: unknown }> }>)[0]?.results['stickless:s:a']?.value, '{"v":1}')
})

test('a string value read in place keeps nothing of the chunk', () => {
  const conn = connection(true)
  const [outcome] = conn.expect(1)
  const chunk = Buffer.from('VALUE k 0 5 1\r\nhello\r\nEND\r\n')
  conn.feed(chunk)
  chunk.fill(0)
  assert.equal(outcome?.results.k?.value, 'hello')
})
