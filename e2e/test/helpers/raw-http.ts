// HTTP below what fetch allows: bytes on a TCP socket (broken framing, CR/LF,
// slow or aborted clients) and node:http requests with headers fetch refuses
// to send (Host) or from another loopback source address.
import http from 'node:http'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { HttpResponse } from './http-client.js'

export interface RawExchange {
  /** Everything the server sent, as latin1 text. */
  readonly text: string
  /** The status of the first response line, if one arrived. */
  readonly status: number | undefined
  /** True when the server closed (or reset) the connection; false when we gave up waiting. */
  readonly closedByServer: boolean
  readonly durationMs: number
}

export interface RawOptions {
  /** Stop waiting for the server after this long. */
  readonly timeoutMs: number
  /** Pause between the chunks, to be a slow client. Default 0. */
  readonly chunkDelayMs?: number
  /** Destroy our socket right after the last chunk (an aborting client). Default false. */
  readonly abortAfterWrite?: boolean
  /** Resolve as soon as a complete-looking response head arrived, without waiting for a close. Default false. */
  readonly untilHead?: boolean
}

/**
 * Writes the chunks to host:port and collects the answer until the server
 * closes the connection, the options say stop, or timeoutMs passes (then our
 * side closes). Never throws for a reset: that is one way of being refused.
 */
export async function rawExchange (port: number, chunks: ReadonlyArray<string | Buffer>, options: RawOptions): Promise<RawExchange> {
  const started = performance.now()
  const socket = net.connect({ host: '127.0.0.1', port })
  const received: Buffer[] = []
  let closedByServer = false
  let weClosed = false
  let settle: () => void = () => {}
  const finished = new Promise<void>((resolve) => { settle = resolve })
  socket.on('data', (data: Buffer) => {
    received.push(data)
    if (options.untilHead === true && Buffer.concat(received).includes('\r\n\r\n')) { weClosed = true; settle() }
  })
  const serverClosed = (): void => {
    if (!weClosed) closedByServer = true
    settle()
  }
  socket.on('error', serverClosed)
  socket.on('end', serverClosed)
  socket.on('close', serverClosed)
  const timer = setTimeout(() => { weClosed = true; settle() }, options.timeoutMs)
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    for (const chunk of chunks) {
      if (socket.destroyed || socket.writableEnded) break
      socket.write(chunk)
      if (options.chunkDelayMs !== undefined && options.chunkDelayMs > 0) {
        await Promise.race([sleep(options.chunkDelayMs), finished])
      }
    }
    if (options.abortAfterWrite === true) {
      weClosed = true
      socket.destroy()
      settle()
    }
    await finished
  } catch {
    closedByServer = !weClosed
  } finally {
    clearTimeout(timer)
    weClosed = true
    socket.destroy()
  }
  const text = Buffer.concat(received).toString('latin1')
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1]
  return { text, status: status === undefined ? undefined : Number(status), closedByServer, durationMs: performance.now() - started }
}

export interface NodeRequestOptions {
  readonly method?: string
  readonly headers?: http.OutgoingHttpHeaders
  readonly body?: string
  /** Source address of the connection, e.g. 127.0.0.7 (all of 127/8 is loopback). */
  readonly localAddress?: string
  readonly timeoutMs?: number
}

/** One request with node:http (no keep-alive, any header), read as a whole. */
export async function nodeRequest (url: string, options: NodeRequestOptions = {}): Promise<HttpResponse> {
  const started = performance.now()
  const method = options.method ?? 'GET'
  return await new Promise<HttpResponse>((resolve, reject) => {
    const req = http.request(url, {
      method,
      headers: options.headers,
      localAddress: options.localAddress,
      agent: false,
      timeout: options.timeoutMs ?? 10_000
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined) continue
          for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
        }
        const setCookie = res.headers['set-cookie'] ?? []
        resolve({
          url,
          method,
          status: res.statusCode ?? 0,
          headers,
          text: Buffer.concat(chunks).toString('utf8'),
          setCookies: setCookie,
          servedBy: typeof res.headers['x-served-by'] === 'string' ? res.headers['x-served-by'] : undefined,
          durationMs: performance.now() - started
        })
      })
    })
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)))
    req.on('error', reject)
    req.end(options.body)
  })
}

export interface ParsedRawResponse {
  readonly status: number
  /** Header names lower-cased; repeated headers joined with ", ". */
  readonly headers: ReadonlyMap<string, string>
  /** The bytes after the head (the first response only when it has a Content-Length). */
  readonly body: string
}

/** The first response of a raw exchange, or undefined when none arrived. */
export function parseRawResponse (text: string): ParsedRawResponse | undefined {
  const headEnd = text.indexOf('\r\n\r\n')
  if (headEnd === -1) return undefined
  const [statusLine = '', ...lines] = text.slice(0, headEnd).split('\r\n')
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]
  if (status === undefined) return undefined
  const headers = new Map<string, string>()
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers.set(name, headers.has(name) ? `${headers.get(name) ?? ''}, ${value}` : value)
  }
  let body = text.slice(headEnd + 4)
  const length = headers.get('content-length')
  if (length !== undefined) body = body.slice(0, Number(length))
  return { status: Number(status), headers, body }
}

/** A raw answer in the shape the assertions take. */
export function toHttpResponse (parsed: ParsedRawResponse, method: string, url: string, durationMs = 0): HttpResponse {
  const headers = new Headers()
  for (const [name, value] of parsed.headers) headers.set(name, value)
  return {
    url,
    method,
    status: parsed.status,
    headers,
    text: Buffer.from(parsed.body, 'latin1').toString('utf8'),
    setCookies: headers.getSetCookie(),
    servedBy: parsed.headers.get('x-served-by'),
    durationMs
  }
}
