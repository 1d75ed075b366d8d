import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { WebSocket, WebSocketServer, type RawData } from 'ws'

/** An answer the fake node gives an upgrade instead of the 101 (a web node's 401 without a session, 403 for a foreign Origin). */
export interface Refusal {
  readonly status: number
  readonly body: string
}

export interface WsBackend {
  readonly name: string
  readonly url: string
  /** Headers of every upgrade request it received (refused ones included). */
  readonly upgrades: IncomingHttpHeaders[]
  /** Its end of every WebSocket open now. */
  readonly sockets: Set<WebSocket>
  /** Messages it received, as text. */
  readonly received: string[]
  /** Bytes its upgraded sockets have read, frames not yet whole included. */
  bytesReceived: number
  /** Close codes its sockets received from their peer (the LB or the client). */
  readonly closeCodes: number[]
  /** Status /healthz answers; 200 unless a test changes it. */
  healthStatus: number
  /** Stops listening and cuts every connection, WebSockets included, as a killed process would. */
  kill: () => Promise<void>
}

/**
 * A web node for the upgrade tests: `ws` on a plain HTTP server. /healthz
 * answers `healthStatus`; an upgrade is refused with `refuse(req)` when that
 * returns an answer, else accepted: the node sends a hello naming itself and
 * echoes every message with its name. Closed by t.after.
 */
export async function startWsBackend (t: TestContext, name: string, options: { readonly refuse?: (req: IncomingMessage) => Refusal | undefined } = {}): Promise<WsBackend> {
  const wss = new WebSocketServer({ noServer: true })
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(backend.healthStatus, { 'content-type': 'application/json' }).end(JSON.stringify({ node: name }))
      return
    }
    res.writeHead(404).end()
  })
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    backend.upgrades.push(req.headers)
    const refusal = options.refuse?.(req)
    if (refusal !== undefined) {
      socket.end(`HTTP/1.1 ${refusal.status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(refusal.body)}\r\nx-served-by: ${name}\r\nconnection: close\r\n\r\n${refusal.body}`)
      return
    }
    socket.on('data', (chunk: Buffer) => { backend.bytesReceived += chunk.length })
    wss.handleUpgrade(req, socket, head, (ws) => {
      backend.sockets.add(ws)
      ws.on('close', (code) => {
        backend.closeCodes.push(code)
        backend.sockets.delete(ws)
      })
      ws.on('error', () => {})
      ws.on('message', (data) => {
        const text = textOf(data)
        backend.received.push(text)
        ws.send(JSON.stringify({ node: name, echo: text }))
      })
      ws.send(JSON.stringify({ type: 'hello', node: name }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const kill = (): Promise<void> => new Promise((resolve) => {
    for (const ws of backend.sockets) ws.terminate()
    server.close(() => resolve())
    server.closeAllConnections()
  })
  const backend: WsBackend = {
    name,
    url: `http://127.0.0.1:${port}`,
    upgrades: [],
    sockets: new Set(),
    received: [],
    bytesReceived: 0,
    closeCodes: [],
    healthStatus: 200,
    kill
  }
  t.after(async () => {
    if (server.listening) await kill()
    wss.close()
  })
  return backend
}

/** What a client saw of its WebSocket through the LB. */
export interface WsClient {
  readonly ws: WebSocket
  /** Messages received, parsed. */
  readonly messages: Array<Record<string, unknown>>
  /** Resolves with the close code and reason once the socket has closed. */
  readonly closed: Promise<{ code: number, reason: string }>
}

/** Opens a WebSocket and resolves once it is open (rejects on an error or a non-101 answer). Terminated by t.after. */
export async function openWs (t: TestContext, url: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const ws = new WebSocket(url, { headers })
  const messages: Array<Record<string, unknown>> = []
  ws.on('message', (data) => messages.push(JSON.parse(textOf(data)) as Record<string, unknown>))
  const closed = new Promise<{ code: number, reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })))
  t.after(() => ws.terminate())
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${String(res.statusCode)}`)))
  })
  return { ws, messages, closed }
}

/** The answer to an upgrade that is not accepted: status, headers and body, read to its end. */
export function upgradeRefusal (url: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: IncomingHttpHeaders, body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.on('error', () => {})
    ws.once('open', () => {
      ws.terminate()
      reject(new Error('the upgrade was accepted'))
    })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      res.on('error', reject)
    })
  })
}

function textOf (data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString()
  return data instanceof ArrayBuffer ? Buffer.from(data).toString() : data.toString()
}
