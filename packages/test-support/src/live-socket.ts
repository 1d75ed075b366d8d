// A client of the live channel (GET /api/live, docs/live-channel.md) for
// tests and the bench: it opens a socket with a session cookie, keeps every
// message, and reports a refused upgrade by its HTTP status, so a test can
// tell "401, no 101" from "opened, then closed".
import WebSocket from 'ws'

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
  /** How long the upgrade and the hello may take. */
  readonly timeoutMs?: number
  readonly headers?: Readonly<Record<string, string>>
}

/** An upgrade the server answered with an HTTP status instead of a 101. */
export class LiveRefusedError extends Error {
  readonly body: string

  constructor (readonly status: number, body: string) {
    super(`upgrade refused with HTTP ${status}: ${body.slice(0, 200)}`)
    // the start is enough to tell a coded JSON error from a page
    this.body = body.slice(0, 1_000)
    this.name = 'LiveRefusedError'
  }
}

export class LiveSocket {
  readonly messages: LiveMessage[] = []
  /** Resolves when the socket closes, with the code the client saw. */
  readonly closed: Promise<LiveClose>
  private readonly waiters = new Set<() => void>()
  private closeSeen: LiveClose | undefined

  constructor (readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeSeen = { code, reason: reason.toString() }
        resolve(this.closeSeen)
        this.wake()
      })
    })
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) return
      const text = data.toString('utf8')
      try {
        this.messages.push(JSON.parse(text) as LiveMessage)
      } catch {
        this.messages.push({ type: 'unparsed', text })
      }
      this.wake()
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

  /** The first message of this type (that the predicate accepts), waiting up to timeoutMs for it. */
  async next (type: string, timeoutMs = 5_000, predicate: (m: LiveMessage) => boolean = () => true): Promise<LiveMessage> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.messages.find((m) => m.type === type && predicate(m))
      if (found !== undefined) return found
      if (this.closeSeen !== undefined) throw new Error(`socket closed (${this.closeSeen.code} ${this.closeSeen.reason}) before a ${type} message`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no ${type} message within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(', ')}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left)
        const waiters = this.waiters
        function done (): void {
          clearTimeout(timer)
          waiters.delete(done)
          resolve()
        }
        waiters.add(done)
      })
    }
  }

  send (message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
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

  private wake (): void {
    for (const waiter of [...this.waiters]) waiter()
  }
}

/**
 * Opens a live socket and waits for its hello. Rejects with LiveRefusedError
 * when the server answered the upgrade with a status instead of a 101, and
 * with an Error when the socket closed before its hello.
 */
export async function openLiveSocket (url: string, options: LiveSocketOptions = {}): Promise<LiveSocket> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const headers: Record<string, string> = { ...options.headers }
  if (options.cookie !== undefined) headers.cookie = options.cookie
  const ws = new WebSocket(url, { headers, handshakeTimeout: timeoutMs, ...(options.origin === undefined ? {} : { origin: options.origin }) })
  const socket = new LiveSocket(ws)
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => { resolve() })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => {
        ws.terminate()
        reject(new LiveRefusedError(res.statusCode ?? 0, body))
      })
    })
    ws.once('error', (err) => { reject(err) })
  })
  await socket.next('hello', timeoutMs)
  return socket
}

/** The HTTP status an upgrade was refused with, or undefined when it opened (the socket is then closed). */
export async function upgradeStatus (url: string, options: LiveSocketOptions = {}): Promise<number | undefined> {
  try {
    const socket = await openLiveSocket(url, options)
    await socket.close()
    return undefined
  } catch (err) {
    if (err instanceof LiveRefusedError) return err.status
    throw err
  }
}
