import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { openLiveSocket, refusedUpgrade, type LiveRefusedError, type LiveSocket } from '@stickless/test-support'

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

/** What a client saw of its WebSocket through the LB: test-support's live-channel client. */
export type WsClient = LiveSocket

/** Opens a WebSocket and resolves once it is open (rejects on an error or a non-101 answer). Terminated by t.after. */
export async function openWs (t: TestContext, url: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const socket = await openLiveSocket(url, { headers, waitFor: 'open' })
  t.after(() => { socket.ws.terminate() })
  return socket
}

/** The answer to an upgrade that is not accepted: status, headers and body, read to its end. */
export async function upgradeRefusal (url: string, headers: Record<string, string> = {}): Promise<LiveRefusedError> {
  return await refusedUpgrade(url, { headers })
}

function textOf (data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString()
  return data instanceof ArrayBuffer ? Buffer.from(data).toString() : data.toString()
}
