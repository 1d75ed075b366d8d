// The cookie signer every request goes through, with its verdicts remembered.
// Each signed-in request otherwise pays for HMACs over the same cookie several
// times (our rotation check, @fastify/session's unsign, and the sign of the
// same id in new Session()): about 9% of a node's CPU on a session read.
//
// Only valid signatures are remembered, keyed by the whole signed value, so a
// hit means this exact string was verified before: forging still needs the
// secret, and garbage cookies cannot push real ones out of the cache.
import { Signer, type UnsignResult } from '@fastify/cookie'
import { BoundedMap } from '@stickless/memcached-store'

export interface CachingSignerOptions {
  /** Signs with the first, verifies with all (rotation). */
  readonly secrets: readonly string[]
  /** Verdicts (and signatures) remembered; the oldest go first. */
  readonly maxEntries?: number
}

/** What @fastify/cookie and @fastify/session accept as `secret`. */
export interface CookieSigner {
  sign: (value: string) => string
  unsign: (input: string) => UnsignResult
}

export const DEFAULT_SIGNER_CACHE_ENTRIES = 20_000

export class CachingSigner implements CookieSigner {
  private readonly signer: Signer
  private readonly verdicts: BoundedMap<string, { renew: boolean, value: string }>
  private readonly signatures: BoundedMap<string, string>

  constructor (options: CachingSignerOptions) {
    this.signer = new Signer([...options.secrets], 'sha256')
    const max = options.maxEntries ?? DEFAULT_SIGNER_CACHE_ENTRIES
    this.verdicts = new BoundedMap(max)
    this.signatures = new BoundedMap(max)
  }

  /** Verdicts held now (for tests and metrics). */
  get cachedEntries (): number {
    return this.verdicts.size
  }

  sign (value: string): string {
    let signed = this.signatures.get(value)
    if (signed === undefined) {
      signed = this.signer.sign(value)
      this.signatures.set(value, signed)
    }
    return signed
  }

  unsign (signedValue: string): UnsignResult {
    const known = this.verdicts.get(signedValue)
    // A copy: callers own what they get (the cached object must not change).
    if (known !== undefined) return { valid: true, renew: known.renew, value: known.value }
    const result = this.signer.unsign(signedValue)
    if (result.valid) this.verdicts.set(signedValue, { renew: result.renew, value: result.value })
    return result
  }
}
