// Signed-in sessions for the load runs: logged in through the real
// POST /api/login (so they are exactly what the web nodes make), written as
// one `sid=...` cookie per line for wrk, and resized in place through the
// store package when a run needs bigger sessions.
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { Signer } from '@fastify/cookie'
import { MemcachedStore } from '@stickless/memcached-store'

export const DEMO_ACCOUNTS = [
  { username: 'alice', password: 'wonderland' },
  { username: 'bob', password: 'builder' }
] as const

export interface PoolSession {
  /** `sid=<signed id>`, as the browser sends it back. */
  cookie: string
  /** The session id (the memcached key without its prefix). */
  id: string
}

/** The `sid=...` pair of a login response, and the id inside its signed value. */
export function sessionFromSetCookie (setCookies: readonly string[]): PoolSession | undefined {
  const pair = setCookies.map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('sid='))
  if (pair === undefined) return undefined
  const signed = decodeURIComponent(pair.slice('sid='.length))
  const dot = signed.lastIndexOf('.')
  if (dot <= 0) return undefined
  return { cookie: pair, id: signed.slice(0, dot) }
}

export async function login (baseUrl: string, account: { username: string, password: string }): Promise<PoolSession> {
  const res = await fetch(`${baseUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account)
  })
  await res.arrayBuffer()
  const session = sessionFromSetCookie(res.headers.getSetCookie())
  if (res.status !== 200 || session === undefined) throw new Error(`POST ${baseUrl}/api/login answered ${res.status} without a session cookie`)
  return session
}

/**
 * Logs `count` sessions in, spread over the nodes, `concurrency` at a time.
 * A login is an scrypt hash (tens of ms of CPU), so this is the slow part of
 * setting up.
 */
export async function loginMany (nodeUrls: readonly string[], count: number, concurrency: number): Promise<PoolSession[]> {
  const out: PoolSession[] = new Array<PoolSession>(count)
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++
      out[i] = await login(nodeUrls[i % nodeUrls.length] as string, DEMO_ACCOUNTS[i % DEMO_ACCOUNTS.length] as { username: string, password: string })
    }
  }))
  return out
}

export function writeCookieFile (path: string, sessions: readonly PoolSession[]): void {
  writeFileSync(path, sessions.map((s) => s.cookie).join('\n') + '\n')
}

/** Cart items of 100 characters (the most an item may have) adding up to about `bytes`. */
export function cartOfSize (bytes: number): string[] {
  const itemChars = 100
  const count = Math.max(0, Math.round(bytes / (itemChars + 3)))
  return Array.from({ length: count }, (_, i) => `item ${i} `.padEnd(itemChars, 'x'))
}

/** Direct access to the sessions in memcached, with the web nodes' key prefix and codec. */
export class SessionEditor {
  private readonly store: MemcachedStore
  private readonly signer: Signer

  constructor (memcachedAddresses: readonly string[], sessionSecret: string) {
    // The web node's key prefix ('stk:') and codec (no encryption). The user
    // field points nowhere so clones stay out of the per-user index: a
    // thousand writers on the two demo users' index keys would only measure
    // cas retries.
    this.store = new MemcachedStore({ servers: [...memcachedAddresses], timeoutMs: 5_000, userField: '_benchNoIndex' })
    this.signer = new Signer([sessionSecret], 'sha256')
  }

  /**
   * New sessions with the data of logged-in ones (cycling over `from`) under
   * fresh ids, with cookies signed like the web node signs them. Logging in
   * costs an scrypt hash each; a copy costs one memcached write.
   */
  async clone (from: readonly PoolSession[], count: number, cart: (i: number) => string[], concurrency = 32): Promise<PoolSession[]> {
    const out: PoolSession[] = new Array<PoolSession>(count)
    let next = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++
        const source = from[i % from.length] as PoolSession
        const data = await this.store.getSession(source.id)
        if (data === null) throw new Error(`session ${source.id.slice(0, 6)}... is gone from memcached`)
        const { _rev: _ignored, ...copy } = data
        // @fastify/session's ids: 24 random bytes, base64url
        const id = randomBytes(24).toString('base64url')
        await this.store.setSession(id, { ...copy, cart: cart(i) })
        out[i] = { id, cookie: `sid=${encodeURIComponent(this.signer.sign(id))}` }
      }
    }))
    return out
  }

  /** Sets every session's cart, on every replica. */
  async setCarts (sessions: readonly PoolSession[], cart: (i: number) => string[], concurrency = 32): Promise<void> {
    let next = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < sessions.length) {
        const i = next++
        const s = sessions[i] as PoolSession
        // Read every replica: after a 1-replica node's run the other server
        // holds an older copy, and a save built on that copy merges the newer
        // one in (the lost-update rule), keeping the cart it was to empty.
        this.store.expectWrite(s.id)
        const data = await this.store.getSession(s.id)
        if (data === null) throw new Error(`session ${i} is gone from memcached`)
        await this.store.setSession(s.id, { ...data, cart: cart(i) })
      }
    }))
  }

  /** Size of a session as stored (its JSON), in bytes. */
  async storedBytes (session: PoolSession): Promise<number> {
    const data = await this.store.getSession(session.id)
    return Buffer.byteLength(JSON.stringify(data))
  }

  async close (): Promise<void> {
    await this.store.close()
  }
}
