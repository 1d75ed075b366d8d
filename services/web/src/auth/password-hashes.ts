// The demo accounts, stored only as scrypt hashes:
// scrypt$N$r$p$salt$hash, salt and hash in base64url, 32-byte keys.
import { scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const demoAccounts: ReadonlyMap<string, string> = new Map([
  ['alice', 'scrypt$16384$8$1$45EQcUHEqKP8CuMK-ZJTcA$mfVDBcn7R6FPgvIcrrLEmUeGONnQtDNa8r5Ad2aHvYE'],
  ['bob', 'scrypt$16384$8$1$DGZlzRXb-FE9PdiLknK4lQ$6a-2ARZKrWRwruu00jUui1EQl5ooOLm5tegREf0-yqA']
])

// The hash of a random password nobody knows. Unknown users are checked
// against it, so "no such user" costs the same time as "wrong password" and
// the response time tells nothing about which names exist.
const decoyHash = 'scrypt$16384$8$1$OjSblv_FeXasmNeSsmBokA$iXdxv_W58o7weFmcnftAAo4mr5TMSOkLycI2-XZuEu4'

interface ParsedHash {
  readonly options: ScryptOptions
  readonly salt: Buffer
  readonly hash: Buffer
}

function parseHash (encoded: string): ParsedHash {
  const [scheme, n, r, p, salt, hash] = encoded.split('$')
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) {
    throw new Error('not an scrypt hash')
  }
  const N = Number(n)
  const options = { N, r: Number(r), p: Number(p), maxmem: 256 * N * Number(r) }
  return { options, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') }
}

function derive (password: string, parsed: ParsedHash): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // crypto.scrypt runs on the libuv pool, so a login never blocks the event loop.
    scrypt(password.normalize('NFC'), parsed.salt, parsed.hash.length, parsed.options, (err, key) => {
      if (err) reject(err)
      else resolve(key)
    })
  })
}

/** True when password is the account's. Takes one scrypt either way. */
export async function verifyPassword (username: string, password: string): Promise<boolean> {
  const encoded = demoAccounts.get(username)
  const parsed = parseHash(encoded ?? decoyHash)
  const key = await derive(password, parsed)
  return timingSafeEqual(key, parsed.hash) && encoded !== undefined
}

/** Encodes a new hash in the stored format; the table above was made with it. */
export async function hashPassword (password: string, salt: Buffer): Promise<string> {
  const parsed: ParsedHash = { options: { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, salt, hash: Buffer.alloc(32) }
  const key = await derive(password, parsed)
  return `scrypt$16384$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`
}
