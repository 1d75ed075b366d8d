// The wire format of an item: "<header JSON>\n<data JSON>", encrypted when
// keys are set. JSON never holds a raw newline, so the first one splits the
// two, and the data's own text is at hand without encoding it again on every
// read. The header's short keys are the format's, kept for size and for
// compatibility with items already stored; they stop here.
import { copyDecoded, decodeJson, encodeJson } from './codec.js'
import type { ValueCipher } from './cipher.js'
import { storeError } from '../errors.js'
import { BoundedMap } from '../policy/bounded-map.js'
import type { SessionRecord } from './session-record.js'

/** A decoded item and the JSON text of its data, kept so an unchanged session is found by comparing strings. */
export interface Decoded {
  record: SessionRecord
  dataText: string
}

/** The header as stored: version, created, written, ttl, cookie, tombstone, end, lineage, heads. */
interface WireHeader {
  v: number
  c: number
  w: number
  t: number
  k?: Record<string, unknown>
  x?: 1
  e?: number
  l?: string[]
  h?: string[]
}

function toWire (record: SessionRecord): WireHeader {
  const header: WireHeader = { v: record.version, c: record.createdAt, w: record.writtenAt, t: record.ttlS }
  if (record.cookie !== undefined) header.k = record.cookie
  if (record.destroyed === true) header.x = 1
  if (record.endsAt !== undefined) header.e = record.endsAt
  if (record.lineage !== undefined) header.l = record.lineage
  if (record.heads !== undefined) header.h = record.heads
  return header
}

function fromWire (header: WireHeader): SessionRecord | undefined {
  if (typeof header.v !== 'number' || typeof header.c !== 'number' || typeof header.w !== 'number' || typeof header.t !== 'number') return undefined
  if (header.k !== undefined && (header.k === null || typeof header.k !== 'object')) return undefined
  const record: SessionRecord = { version: header.v, createdAt: header.c, writtenAt: header.w, ttlS: header.t }
  if (header.k !== undefined) record.cookie = header.k
  if (header.x === 1) record.destroyed = true
  if (typeof header.e === 'number') record.endsAt = header.e
  if (Array.isArray(header.l) && header.l.every((id) => typeof id === 'string')) record.lineage = header.l
  if (Array.isArray(header.h) && header.h.every((id) => typeof id === 'string')) record.heads = header.h
  return record
}

// Decoding is two JSON.parse calls (header and data): on a signed-in read it
// cost more than anything else in the store. A session is read far more often
// than it changes, so the last value decoded for each key is kept: the same
// stored text again is a string compare and a copy (copyDecoded) instead. A
// value decodes to the same record whoever reads it (decoding is a pure
// function of key and value), so this changes nothing but the cost. Bounded
// in entries and in text (bounded-map.ts); a value too large to be worth its
// room is decoded every time.
const MEMO_ENTRIES = 10_000
const MEMO_CHARS = 8 * 1024 * 1024
const MEMO_MAX_VALUE_CHARS = 64 * 1024

interface Memo {
  readonly stored: string
  /** Handed out only frozen, to readers that only read (decodeShared); every other reader gets its own copy. */
  readonly decoded: Decoded
  /** decoded.record is frozen, all of it: a shared read need not walk it again */
  frozen: boolean
}

/** Freezes a decoded value and everything it holds (objects, arrays; a Date's time cannot be frozen, and nothing here changes it). */
function deepFreeze (value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return
  Object.freeze(value)
  for (const item of Object.values(value)) deepFreeze(item)
}

/** A copy of a decoded record sharing nothing mutable with it, its fields in the order fromWire and decode give them. */
function copyRecord (record: SessionRecord): SessionRecord {
  const copy: SessionRecord = { version: record.version, createdAt: record.createdAt, writtenAt: record.writtenAt, ttlS: record.ttlS }
  if (record.cookie !== undefined) copy.cookie = copyDecoded(record.cookie)
  if (record.destroyed === true) copy.destroyed = true
  if (record.endsAt !== undefined) copy.endsAt = record.endsAt
  if (record.lineage !== undefined) copy.lineage = record.lineage.slice()
  if (record.heads !== undefined) copy.heads = record.heads.slice()
  if (record.data !== undefined) copy.data = copyDecoded(record.data)
  return copy
}

export class RecordCodec {
  private readonly memo = new BoundedMap<string, Memo>(MEMO_ENTRIES, { maxWeight: MEMO_CHARS, weigh: (m) => m.stored.length })

  constructor (private readonly cipher: ValueCipher, private readonly maxValueBytes: number) {}

  /** Encodes, or throws STK_ERR_VALUE_TOO_LARGE before anything is sent, so no server holds a partial write. */
  encode (key: string, record: SessionRecord, dataText?: string): string {
    const body = record.data === undefined ? '' : (dataText ?? encodeJson(record.data))
    const text = this.cipher.encrypt(`${JSON.stringify(toWire(record))}\n${body}`, key)
    const bytes = Buffer.byteLength(text, 'utf8')
    if (bytes > this.maxValueBytes) {
      throw storeError('STK_ERR_VALUE_TOO_LARGE', `${bytes} bytes encoded for ${key.slice(0, 12)}…, the limit is ${this.maxValueBytes}`)
    }
    return text
  }

  /** The record, or undefined for a value we did not write (foreign, tampered, undecryptable). Each call returns objects of its own. */
  decode (key: string, stored: unknown): Decoded | undefined {
    const memo = this.memoOf(key, stored)
    if (memo === undefined) return undefined
    // a value too large for the memo was decoded for this call alone: nobody else holds it
    if (memo.stored.length > MEMO_MAX_VALUE_CHARS) return memo.decoded
    return { record: copyRecord(memo.decoded.record), dataText: memo.decoded.dataText }
  }

  /**
   * As decode, for a reader that only reads: the objects are shared with
   * every other such call for the same stored text, and frozen, so a change
   * throws instead of reaching another reader. No copy is made, and none of
   * what getSession remembers for a save: a signed-in read-only request on
   * one web node went from 74 to 61 µs of CPU at 4 KB (48 to 44 at 200 B).
   */
  decodeShared (key: string, stored: unknown): Decoded | undefined {
    const memo = this.memoOf(key, stored)
    if (memo === undefined) return undefined
    if (!memo.frozen) {
      deepFreeze(memo.decoded.record)
      memo.frozen = true
    }
    return memo.decoded
  }

  /** The memo of this stored text: the kept one, or one decoded now (kept unless too large); undefined for a value we did not write. */
  private memoOf (key: string, stored: unknown): Memo | undefined {
    if (typeof stored !== 'string') return undefined
    const kept = this.memo.get(key)
    if (kept !== undefined && kept.stored === stored) return kept
    const decoded = this.decodeText(key, stored)
    if (decoded === undefined) return undefined
    const memo = { stored, decoded, frozen: false }
    if (stored.length <= MEMO_MAX_VALUE_CHARS) this.memo.set(key, memo)
    return memo
  }

  private decodeText (key: string, stored: string): Decoded | undefined {
    const plain = this.cipher.decrypt(stored, key)
    if (plain === undefined) return undefined
    const nl = plain.indexOf('\n')
    if (nl === -1) return undefined
    const dataText = plain.slice(nl + 1)
    let record: SessionRecord | undefined
    try {
      const header = decodeJson(plain.slice(0, nl)) as WireHeader | null
      if (header === null || typeof header !== 'object') return undefined
      record = fromWire(header)
      if (record === undefined) return undefined
      if (dataText !== '') record.data = decodeJson(dataText) as Record<string, unknown>
    } catch {
      return undefined
    }
    if (record.destroyed !== true && (record.data === null || typeof record.data !== 'object' || Array.isArray(record.data))) return undefined
    return { record, dataText }
  }
}
