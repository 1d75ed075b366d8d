import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import https from 'node:https'
import net from 'node:net'

export interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** The request went over a connection an earlier request had used (keep-alive agents only). */
  readonly reusedSocket?: boolean
}

export interface RequestOptions {
  readonly method?: string
  readonly headers?: OutgoingHttpHeaders
  readonly body?: string | Buffer
  /** For https: trust this certificate. */
  readonly ca?: string | Buffer
  /** Default: none, a fresh connection per request. */
  readonly agent?: http.Agent
}

/** One request, by default on a fresh connection (no agent), so tests do not share sockets. */
export function request (url: string, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const transport = target.protocol === 'https:' ? https : http
    // Node's client sends a DELETE body unframed unless told its length.
    const headers = options.body === undefined || options.headers?.['transfer-encoding'] !== undefined
      ? options.headers
      : { 'content-length': Buffer.byteLength(options.body), ...options.headers }
    const req = transport.request(target, {
      method: options.method ?? 'GET',
      headers,
      agent: options.agent ?? false,
      ...(options.ca === undefined ? {} : { ca: options.ca })
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), reusedSocket: req.reusedSocket }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** The JSON the echo backend answers with. */
export interface Echo {
  readonly node: string
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export async function requestJson (url: string, options: RequestOptions = {}): Promise<Reply & { json: Echo }> {
  const reply = await request(url, options)
  return { ...reply, json: JSON.parse(reply.body) as Echo }
}

/** Writes raw bytes to a port and collects what comes back until the server closes. */
export function rawExchange (port: number, bytes: string, options: { readonly endAfterWrite?: boolean, readonly timeoutMs?: number } = {}): Promise<{ response: string, closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({ response: Buffer.concat(chunks).toString(), closedByServer: false })
    }, options.timeoutMs ?? 5_000)
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', (error) => { clearTimeout(timer); reject(error) })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ response: Buffer.concat(chunks).toString(), closedByServer: true })
    })
    socket.write(bytes)
    if (options.endAfterWrite === true) socket.end()
  })
}
