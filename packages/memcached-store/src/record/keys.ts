import { createHash } from 'node:crypto'
import { storeError } from '../errors.js'

// memcache-client writes keys into the ASCII protocol unchecked, so a space,
// CR or LF in a key would let a caller inject a second command. Every key is
// checked here before any command is built.
const MAX_KEY_BYTES = 250

export function assertValidKey (key: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw storeError('STK_ERR_INVALID_KEY', 'a key must be a non-empty string')
  }
  if (key.length > MAX_KEY_BYTES) {
    throw storeError('STK_ERR_INVALID_KEY', `a key is at most ${MAX_KEY_BYTES} bytes, got ${key.length}`)
  }
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    // printable ASCII without space: 0x21..0x7e
    if (c < 0x21 || c > 0x7e) {
      throw storeError('STK_ERR_INVALID_KEY', `byte ${i} of the key is not printable (0x${c.toString(16)})`)
    }
  }
  return key
}

/** Key names for the things the store keeps; all validated. */
export class KeySpace {
  constructor (private readonly prefix: string) {
    assertValidKey(prefix + 'x')
  }

  session (sessionId: string): string {
    return assertValidKey(`${this.prefix}s:${sessionId}`)
  }

  /** A user id may contain anything, so it is hashed into a safe, fixed-length key. */
  user (userId: string): string {
    const digest = createHash('sha256').update(userId, 'utf8').digest('base64url')
    return assertValidKey(`${this.prefix}u:${digest}`)
  }

  counter (name: string): string {
    const digest = createHash('sha256').update(name, 'utf8').digest('base64url')
    return assertValidKey(`${this.prefix}c:${digest}`)
  }

  /**
   * Present on every server that holds (or is being refilled with) the
   * sessions: a server without it was emptied (restarted, flushed) and needs
   * a refill, even if no node ever saw its previous run.
   */
  filledMarker (): string {
    return assertValidKey(`${this.prefix}m:filled`)
  }

  /**
   * Kept on the other servers while some web node has `serverId` marked down
   * and writes past it: until it expires, no node reads from that server.
   */
  skipMarker (serverId: string): string {
    return assertValidKey(`${this.prefix}m:skip:${serverId}`)
  }

  /** True for keys this store owns and refills (sessions and user indexes; counters are not worth copying). */
  isReplicated (key: string): boolean {
    return key.startsWith(`${this.prefix}s:`) || key.startsWith(`${this.prefix}u:`)
  }
}
