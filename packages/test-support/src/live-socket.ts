// A client of the live channel (GET /api/live, docs/live-channel.md) for
// tests and the bench, on the `ws` package: it keeps every message from the
// first, and tells a refused upgrade (its HTTP status) from a socket that
// opened (101) and was then closed.
import WebSocket from 'ws'
import { pollUntil } from './wait-for.js'

export interface LiveMessage {
  readonly type: string
  readonly [field: string]: unknown
}

export interface LiveClose {
  readonly code: number
  readonly reason: string
}

export interface LiveSocketOptions {
  readonly cookie?: string
  readonly origin?: string
  readonly headers?: Readonly<Record<string, string>>
  /** How long the upgrade (and the hello, when waited for) may take. Default 10 s. */
  readonly timeoutMs?: number
  /** Resolve once the node's hello arrived (default), or as soon as the socket is open. */
  readonly waitFor?: 'hello' | 'open'
  /** False: the client does not answer the node's pings (a peer that vanished). */
  readonly autoPong?: boolean
}

/** An upgrade the server answered with an HTTP status instead of a 101. */
export class LiveRefusedError extends Error {
  readonly body: string

  constructor (readonly status: number, body: string, readonly headers: Readonly<Record<string, string | string[] | undefined>> = {}) {
    super(`upgrade refused with HTTP ${status}: ${body.slice(0, 200)}`)
    this.name = 'LiveRefusedError'
    // the start is enough to tell a coded JSON error from a page
    this.body = body.slice(0, 1_000)
  }
}

export class LiveSocket {
  readonly messages: LiveMessage[] = []
  /** Resolves when the socket closes, with the code the client saw, whoever closed. */
  readonly closed: Promise<LiveClose>
  /** The headers of the 101. */
  upgradeHeaders: Readonly<Record<string, string | string[] | undefined>> = {}
  private closeSeen: LiveClose | undefined

  constructor (readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeSeen = { code, reason: reason.toString() }
        resolve(this.closeSeen)
      })
    })
    ws.once('upgrade', (res) => { this.upgradeHeaders = res.headers })
    ws.on('message', (data: Buffer, isBinary) => {
      const text = data.toString('utf8')
      if (isBinary) {
        this.messages.push({ type: 'binary', text })
        return
      }
      try {
        this.messages.push(JSON.parse(text) as LiveMessage)
      } catch {
        this.messages.push({ type: 'unparsed', text })
      }
    })
    // An error is followed by a close; the close is what tests judge.
    ws.on('error', () => {})
  }

  get hello (): LiveMessage | undefined {
    return this.messages.find((m) => m.type === 'hello')
  }

  get closeCode (): number | undefined {
    return this.closeSeen?.code
  }

  /** The first message of this type after the `from`-th message (default: any), waiting up to timeoutMs. */
  async next (type: string, from = 0, timeoutMs = 10_000): Promise<LiveMessage> {
    let found: LiveMessage | undefined
    await pollUntil(() => {
      found = this.messages.slice(from).find((m) => m.type === type)
      if (found === undefined && this.closeSeen !== undefined) throw new Error(`socket closed (${this.closeSeen.code} ${this.closeSeen.reason}) before a "${type}" message; got ${this.messages.map((m) => m.type).join(', ')}`)
      return found !== undefined
    }, { what: `a "${type}" message`, timeoutMs })
    return found as LiveMessage
  }

  /** Sends a string or Buffer as is (text unless binary), anything else as JSON text. */
  send (message: unknown, options: { binary?: boolean } = {}): void {
    const data = typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message)
    this.ws.send(data, { binary: options.binary ?? false })
  }

  /** Sends a ping message and waits for its pong: the socket is open and served. */
  async roundTrip (timeoutMs = 10_000): Promise<void> {
    const from = this.messages.length
    this.send({ type: 'ping' })
    await this.next('pong', from, timeoutMs)
  }

  /** Closes from the client side and waits for the close to finish. */
  async close (): Promise<LiveClose> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000)
    const timer = setTimeout(() => { this.ws.terminate() }, 2_000)
    try {
      return await this.closed
    } finally {
      clearTimeout(timer)
    }
  }
}

function connect (url: string, options: LiveSocketOptions): WebSocket {
  const headers: Record<string, string> = { ...options.headers }
  if (options.cookie !== undefined) headers.cookie = options.cookie
  if (options.origin !== undefined) headers.origin = options.origin
  return new WebSocket(url, { headers, handshakeTimeout: options.timeoutMs ?? 10_000, autoPong: options.autoPong ?? true })
}

/**
 * Opens a live socket and (by default) waits for its hello. Rejects with
 * LiveRefusedError when the server answered the upgrade with a status
 * instead of a 101, and with an Error when the socket closed first.
 */
export async function openLiveSocket (url: string, options: LiveSocketOptions = {}): Promise<LiveSocket> {
  const ws = connect(url, options)
  const socket = new LiveSocket(ws)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => { resolve() })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => {
        ws.terminate()
        reject(new LiveRefusedError(res.statusCode ?? 0, body, res.headers))
      })
      res.on('error', reject)
    })
    ws.once('error', (err) => { if (!/Unexpected server response/.test(err.message)) reject(err) })
  })
  if ((options.waitFor ?? 'hello') === 'hello') await socket.next('hello', 0, options.timeoutMs ?? 10_000)
  return socket
}

/** An upgrade the server must refuse: its HTTP answer. Throws when it was accepted (a 101). */
export async function refusedUpgrade (url: string, options: LiveSocketOptions = {}): Promise<LiveRefusedError> {
  try {
    const socket = await openLiveSocket(url, { ...options, waitFor: 'open' })
    await socket.close()
  } catch (err) {
    if (err instanceof LiveRefusedError) return err
    throw err
  }
  throw new Error(`the upgrade of ${url} was accepted (101)`)
}

/** The HTTP status an upgrade was refused with, or undefined when it opened (the socket is then closed). */
export async function upgradeStatus (url: string, options: LiveSocketOptions = {}): Promise<number | undefined> {
  try {
    return (await refusedUpgrade(url, options)).status
  } catch (err) {
    if (err instanceof Error && err.message.endsWith('was accepted (101)')) return undefined
    throw err
  }
}

/** Resolves with the close, or fails after `timeoutMs` of real time (a bound, not a verdict on speed). */
export async function closeOf (socket: LiveSocket, timeoutMs = 10_000): Promise<LiveClose> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`the socket did not close within ${timeoutMs} ms`)) }, timeoutMs)
  })
  try {
    return await Promise.race([socket.closed, timeout])
  } finally {
    clearTimeout(timer)
  }
}
