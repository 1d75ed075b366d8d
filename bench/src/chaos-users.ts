// Virtual users of the chaos run: each signs in once (a distinct session),
// then browses and fills its cart through the LB, one request at a time like
// a person, and checks on every answer that it is still signed in and that
// every cart item the service acknowledged is still in its cart.
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { DEMO_ACCOUNTS, sessionFromSetCookie } from './session-pool.js'

export interface RequestRecord {
  user: number
  method: string
  path: string
  startMs: number
  endMs: number
  /** HTTP status, or 0 when no response came (see `error`). */
  status: number
  /** Network error code (ECONNRESET, socket hang up, timeout). */
  error?: string
  /** x-served-by of the answer. */
  servedBy?: string
  /** The LB's error code and message, for its own error answers. */
  lbError?: string
  /** A signed-in user was answered as signed out (401, or 303 to /login). */
  logout: boolean
}

export interface LostWrite {
  user: number
  item: string
  /** When the write was acknowledged (2xx). */
  ackedAtMs: number
  /** When a read of the same session showed it missing, or the logout that took it. */
  detectedAtMs: number
  how: 'missing from the cart' | 'session lost (logout)'
}

interface HttpAnswer { status: number, headers: http.IncomingHttpHeaders, body: string, error?: string }

/** Cart items per session before the user "checks out" (logs out and in again): the cart holds 100. */
const CHECKOUT_AT = 90
const REQUEST_TIMEOUT_MS = 15_000

export class VirtualUser {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 2 })
  private cookie = ''
  private seq = 0
  /** Items acknowledged in the current session, in order. */
  private acked: Array<{ item: string, atMs: number }> = []
  private stopped = false

  constructor (
    readonly id: number,
    private readonly lbUrl: string,
    private readonly clock: () => number,
    private readonly records: RequestRecord[],
    private readonly lost: LostWrite[]
  ) {}

  private get account (): { username: string, password: string } {
    return DEMO_ACCOUNTS[this.id % DEMO_ACCOUNTS.length] as { username: string, password: string }
  }

  private async send (method: string, path: string, body: string | undefined, baseUrl: string): Promise<HttpAnswer> {
    const url = new URL(path, baseUrl)
    return await new Promise((resolve) => {
      const headers: http.OutgoingHttpHeaders = { accept: path.startsWith('/api/') ? 'application/json' : 'text/html' }
      if (this.cookie !== '') headers.cookie = this.cookie
      if (body !== undefined) {
        headers['content-type'] = 'application/json'
        headers['content-length'] = Buffer.byteLength(body)
      }
      const req = http.request(url, { method, headers, agent: this.agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => { text += chunk })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
        res.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, body: '', error: err.code ?? err.message }))
      })
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, body: '', error: err.code ?? err.message }))
      req.end(body)
    })
  }

  /** One request, recorded, through the LB unless `baseUrl` names a web node. `signedIn` says whether a 401 / 303-to-login would be a logout. */
  private async call (method: string, path: string, body: string | undefined, signedIn: boolean, baseUrl = this.lbUrl): Promise<HttpAnswer> {
    const startMs = this.clock()
    const answer = await this.send(method, path, body, baseUrl)
    const endMs = this.clock()
    const setCookie = answer.headers['set-cookie']
    const session = setCookie === undefined ? undefined : sessionFromSetCookie(setCookie)
    if (session !== undefined) this.cookie = session.cookie
    const location = answer.headers.location
    const logout = signedIn && (answer.status === 401 || (answer.status === 303 && typeof location === 'string' && location.startsWith('/login')))
    let lbError: string | undefined
    if (answer.status >= 500 && answer.headers['x-served-by'] === undefined) {
      try {
        const e = JSON.parse(answer.body) as { code?: string, message?: string }
        lbError = `${e.code ?? '?'}: ${e.message ?? ''}`
      } catch {
        lbError = answer.body.slice(0, 120)
      }
    }
    const servedBy = answer.headers['x-served-by']
    this.records.push({
      user: this.id,
      method,
      path,
      startMs,
      endMs,
      status: answer.status,
      ...(answer.error !== undefined ? { error: answer.error } : {}),
      ...(typeof servedBy === 'string' ? { servedBy } : {}),
      ...(lbError !== undefined ? { lbError } : {}),
      logout
    })
    return answer
  }

  async login (): Promise<boolean> {
    this.cookie = ''
    this.acked = []
    const a = await this.call('POST', '/api/login', JSON.stringify(this.account), false)
    return a.status === 200 && this.cookie !== ''
  }

  /** Every acknowledged item must be in `cart`; the missing ones are lost writes. */
  private verify (cart: unknown): void {
    if (!Array.isArray(cart)) return
    const present = new Set(cart)
    const now = this.clock()
    const missing = this.acked.filter((a) => !present.has(a.item))
    for (const m of missing) this.lost.push({ user: this.id, item: m.item, ackedAtMs: m.atMs, detectedAtMs: now, how: 'missing from the cart' })
    // report each loss once
    if (missing.length > 0) this.acked = this.acked.filter((a) => present.has(a.item))
  }

  /** Signed out against our will: what the session held is gone, and the user signs in again. */
  private loseSession (): void {
    const now = this.clock()
    for (const a of this.acked) this.lost.push({ user: this.id, item: a.item, ackedAtMs: a.atMs, detectedAtMs: now, how: 'session lost (logout)' })
    this.acked = []
    this.cookie = ''
  }

  private async readSession (baseUrl = this.lbUrl): Promise<void> {
    const a = await this.call('GET', '/api/session', undefined, true, baseUrl)
    if (a.status === 401) return this.loseSession()
    if (a.status === 200) this.verify((JSON.parse(a.body) as { cart?: unknown }).cart)
  }

  private async addItem (): Promise<void> {
    const item = `u${this.id}-${++this.seq}`
    const a = await this.call('POST', '/api/cart', JSON.stringify({ item }), true)
    if (a.status === 401) return this.loseSession()
    if (a.status === 200) {
      this.acked.push({ item, atMs: this.clock() })
      this.verify((JSON.parse(a.body) as { cart?: unknown }).cart)
    }
  }

  private async dashboard (): Promise<void> {
    const a = await this.call('GET', '/', undefined, true)
    const location = a.headers.location
    if (a.status === 303 && typeof location === 'string' && location.startsWith('/login')) this.loseSession()
  }

  /** Checks the cart one last time, then logs out and in again: a fresh, empty cart. */
  private async checkout (): Promise<void> {
    await this.readSession()
    await this.call('POST', '/api/logout', undefined, false)
    this.acked = []
    await this.login()
  }

  /** Browses until stop(): GET / (20%), GET /api/session (50%), POST /api/cart (30%), 50–250 ms apart. */
  async run (): Promise<void> {
    while (!this.stopped) {
      if (this.cookie === '') {
        if (!await this.login()) { await sleep(200); continue }
      }
      const dice = Math.random()
      if (dice < 0.2) await this.dashboard()
      else if (dice < 0.7) await this.readSession()
      else await this.addItem()
      if (this.acked.length >= CHECKOUT_AT) await this.checkout()
      await sleep(50 + Math.random() * 200)
    }
  }

  stop (): void {
    this.stopped = true
  }

  /** The last check, after the chaos: every acknowledged item of the current session is there, through the LB and on each web node asked directly. */
  async finalCheck (webUrls: readonly string[]): Promise<void> {
    for (const baseUrl of [this.lbUrl, ...webUrls]) await this.readSession(baseUrl)
    this.agent.destroy()
  }
}
