import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import net, { type AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'

/** What a fake backend saw of one request. */
export interface SeenRequest {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse, body: string, backend: FakeBackend) => void

export interface FakeBackend {
  readonly name: string
  readonly url: string
  readonly port: number
  /** Requests other than health checks. */
  readonly seen: SeenRequest[]
  /** Status /healthz answers; 200 unless a test changes it. */
  healthStatus: number
  /** While true nothing is answered, /healthz included, like a SIGSTOPped process. */
  frozen: boolean
  /** Stops listening and drops every connection, as a killed process would. */
  kill: () => Promise<void>
}

export interface BackendOptions {
  readonly host?: string
  readonly port?: number
  readonly handler?: BackendHandler
  /**
   * Called with each request before its body is read. A status it returns is
   * answered at once with `Connection: close`, the body left unread, the way
   * Fastify answers a body over its bodyLimit (413) or a hook refuses a
   * request (401): Node then closes the socket with unread bytes in it, which
   * resets the connection under the sender's upload.
   */
  readonly answerEarly?: (req: IncomingMessage) => number | undefined
  /** How long the early answer takes, like the web node's session lookup before its body check. Default 0: at once. */
  readonly answerEarlyAfterMs?: number
}

/** Echoes the request as JSON, with `x-served-by`, like the web nodes do. */
export const echo: BackendHandler = (req, res, body, backend) => {
  res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': backend.name })
  res.end(JSON.stringify({ node: backend.name, method: req.method, url: req.url, headers: req.headers, body }))
}

/**
 * A local HTTP server standing in for a web node: /healthz answers
 * `healthStatus`, everything else goes to the handler. Closed by t.after.
 */
export async function startBackend (t: TestContext, name: string, options: BackendOptions = {}): Promise<FakeBackend> {
  const handler = options.handler ?? echo
  const server = http.createServer((req, res) => {
    const early = req.url === '/healthz' ? undefined : options.answerEarly?.(req)
    if (early !== undefined) {
      req.on('error', () => {})
      res.on('error', () => {})
      backend.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' })
      const body = JSON.stringify({ statusCode: early, node: name })
      const answer = (): void => {
        res.writeHead(early, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close', 'x-served-by': name })
        res.end(body)
      }
      if (options.answerEarlyAfterMs === undefined) answer()
      else setTimeout(answer, options.answerEarlyAfterMs)
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('error', () => {})
    res.on('error', () => {})
    req.on('end', () => {
      if (backend.frozen) {
        if (req.url !== '/healthz') backend.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' })
        return
      }
      if (req.url === '/healthz') {
        res.writeHead(backend.healthStatus, { 'content-type': 'application/json', 'x-served-by': name })
        res.end(JSON.stringify({ status: backend.healthStatus === 200 ? 'ok' : 'draining', node: name }))
        return
      }
      const body = Buffer.concat(chunks).toString()
      backend.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      handler(req, res, body, backend)
    })
  })
  const port = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1')
  const host = options.host ?? '127.0.0.1'
  const backend: FakeBackend = {
    name,
    url: `http://${host}:${port}`,
    port,
    seen: [],
    healthStatus: 200,
    frozen: false,
    kill: () => closeServer(server)
  }
  t.after(() => closeServer(server))
  return backend
}

/**
 * A raw TCP server that answers every connection with `reply` (bytes that
 * are not valid HTTP, say) and then closes it; `connections` counts those
 * that were not health checks. Closed by t.after.
 */
export async function startRawBackend (t: TestContext, reply: string | Buffer): Promise<{ url: string, connections: () => number }> {
  let connections = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    socket.once('data', (data) => {
      // Health checks are counted apart: tests count forwarded requests.
      if (!data.toString('latin1').startsWith('GET /healthz ')) connections += 1
      socket.end(reply)
    })
  })
  const port = await listen(server, 0, '127.0.0.1')
  t.after(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy()
    server.close(() => resolve())
  }))
  return { url: `http://127.0.0.1:${port}`, connections: () => connections }
}

function listen (server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port))
  })
}

function closeServer (server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve()
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
