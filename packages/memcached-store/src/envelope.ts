import { decodeJson, encodeJson } from './codec.js'
import { ValueCipher } from './cipher.js'
import { storeError } from './errors.js'

/**
 * What one memcached item holds: the session data plus what replication needs
 * to tell copies apart. `v` grows by one per write, so the copy with the larger
 * `v` is the newer one (read-repair, refill); `w` breaks ties.
 */
export interface Envelope {
  /** version */
  v: number
  /** created at, ms since epoch: the absolute lifetime counts from here */
  c: number
  /** written at, ms since epoch */
  w: number
  /** idle TTL in seconds, so a touch or a copy can keep it */
  t: number
  /** the session cookie's settings, as @fastify/session stores them */
  k?: Record<string, unknown>
  /** the data; absent in a tombstone */
  d?: Record<string, unknown>
  /** 1 for a tombstone: a destroyed session whose id must never come back */
  x?: 1
  /** the session's end, ms since epoch, as its cookie set it (see expiry.ts); a read after it is a miss */
  e?: number
}

// A tombstone outranks every version, so no stale copy (a replica that was
// frozen during a logout) can ever bring a destroyed session back.
export const TOMBSTONE_VERSION = Number.MAX_SAFE_INTEGER

export function isNewer (a: Envelope, b: Envelope): boolean {
  return a.v > b.v || (a.v === b.v && a.w > b.w)
}

/** A decoded item and the JSON text of its data, kept so an unchanged session is found by comparing strings. */
export interface Decoded {
  env: Envelope
  dataText: string
}

// The plain text of an item is "<header JSON>\n<data JSON>". JSON never holds a
// raw newline, so the first one splits the two, and the data's own text is at
// hand without encoding it again on every read.
export class EnvelopeCodec {
  constructor (private readonly cipher: ValueCipher, private readonly maxValueBytes: number) {}

  /** Encodes, or throws STK_ERR_VALUE_TOO_LARGE before anything is sent, so no server holds a partial write. */
  encode (key: string, env: Envelope, dataText?: string): string {
    const { d, ...header } = env
    const body = d === undefined ? '' : (dataText ?? encodeJson(d))
    const text = this.cipher.encrypt(`${JSON.stringify(header)}\n${body}`, key)
    const bytes = Buffer.byteLength(text, 'utf8')
    if (bytes > this.maxValueBytes) {
      throw storeError('STK_ERR_VALUE_TOO_LARGE', `${bytes} bytes encoded for ${key.slice(0, 12)}…, the limit is ${this.maxValueBytes}`)
    }
    return text
  }

  /** The envelope, or undefined for a value we did not write (foreign, tampered, undecryptable). */
  decode (key: string, stored: unknown): Decoded | undefined {
    if (typeof stored !== 'string') return undefined
    const plain = this.cipher.decrypt(stored, key)
    if (plain === undefined) return undefined
    const nl = plain.indexOf('\n')
    if (nl === -1) return undefined
    const dataText = plain.slice(nl + 1)
    let env: Envelope
    try {
      env = decodeJson(plain.slice(0, nl)) as Envelope
      if (env === null || typeof env !== 'object') return undefined
      if (dataText !== '') env.d = decodeJson(dataText) as Record<string, unknown>
    } catch {
      return undefined
    }
    if (typeof env.v !== 'number' || typeof env.c !== 'number' || typeof env.w !== 'number' || typeof env.t !== 'number') return undefined
    if (env.k !== undefined && (env.k === null || typeof env.k !== 'object')) return undefined
    if (env.x !== 1 && (env.d === null || typeof env.d !== 'object' || Array.isArray(env.d))) return undefined
    return { env, dataText }
  }
}
