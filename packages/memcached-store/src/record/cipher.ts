import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'

// AES-256-GCM with the memcached key as additional data: whoever can reach
// memcached can neither read a session nor forge one, nor move a valid value
// under another session id. Keys are given as strings (32+ characters) and
// stretched with HKDF; the first one encrypts, every one decrypts, so a key is
// rotated by putting the new one first and dropping the old one later.
const FORMAT = 'e1'
const IV_BYTES = 12
const TAG_BYTES = 16

interface Key {
  readonly id: string
  readonly bytes: Buffer
}

export class ValueCipher {
  private readonly keys: readonly Key[]
  private readonly byId: ReadonlyMap<string, Key>

  constructor (secrets: readonly string[]) {
    this.keys = secrets.map((secret) => {
      const bytes = Buffer.from(hkdfSync('sha256', secret, 'stickless', 'session-value-aes-256-gcm', 32))
      const id = createHash('sha256').update(bytes).digest('base64url').slice(0, 8)
      return { id, bytes }
    })
    this.byId = new Map(this.keys.map((k) => [k.id, k]))
  }

  get enabled (): boolean {
    return this.keys.length > 0
  }

  encrypt (plain: string, aad: string): string {
    const key = this.keys[0]
    if (key === undefined) return plain
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv)
    cipher.setAAD(Buffer.from(aad, 'utf8'))
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return `${FORMAT}.${key.id}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`
  }

  /** The plain text, or undefined when the value was not made by one of our keys (forged, tampered or foreign). */
  decrypt (stored: string, aad: string): string | undefined {
    if (!this.enabled) return stored
    const [format, id, payload] = stored.split('.', 3)
    if (format !== FORMAT || id === undefined || payload === undefined) return undefined
    const key = this.byId.get(id)
    if (key === undefined) return undefined
    const raw = Buffer.from(payload, 'base64url')
    if (raw.length < IV_BYTES + TAG_BYTES) return undefined
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, raw.subarray(0, IV_BYTES))
      decipher.setAAD(Buffer.from(aad, 'utf8'))
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      return undefined
    }
  }
}
