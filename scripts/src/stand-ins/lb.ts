// A stand-in load balancer: round robin over the backends that pass GET
// /healthz, a retry on another backend when one refuses the connection, and
// GET /status.json on the admin port. Enough for the cluster library's tests;
// the real one is services/lb.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'

interface Backend { name: string, url: URL, healthy: boolean }

const backends: Backend[] = (process.env.LB_BACKENDS ?? '').split(',').filter((s) => s !== '').map((entry) => {
  const [name = '', url = ''] = entry.split('=')
  return { name, url: new URL(url), healthy: false }
})
const HEALTH_INTERVAL_MS = 200
let next = 0

function checkHealth (backend: Backend): void {
  const req = request(new URL('/healthz', backend.url), { agent: false, timeout: 1_000 }, (res) => {
    backend.healthy = res.statusCode === 200
    res.resume()
  })
  req.on('timeout', () => req.destroy())
  req.on('error', () => { backend.healthy = false })
  req.end()
}
setInterval(() => backends.forEach(checkHealth), HEALTH_INTERVAL_MS).unref()
backends.forEach(checkHealth)

function forward (req: IncomingMessage, res: ServerResponse, attemptsLeft: number): void {
  const healthy = backends.filter((b) => b.healthy)
  const backend = healthy[next++ % Math.max(1, healthy.length)]
  if (backend === undefined || attemptsLeft === 0) {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('no healthy backend\n')
    return
  }
  const upstream = request(new URL(req.url ?? '/', backend.url), { method: req.method, headers: req.headers, agent: false }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers)
    up.pipe(res)
  })
  upstream.on('error', () => {
    backend.healthy = false
    if (!res.headersSent) forward(req, res, attemptsLeft - 1)
  })
  upstream.end()
}

const lb = createServer((req, res) => forward(req, res, backends.length))
const admin = createServer((req, res) => {
  if (req.url === '/status.json') {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ backends: backends.map((b) => ({ name: b.name, url: b.url.toString(), healthy: b.healthy })) }))
    return
  }
  res.setHeader('content-type', 'text/plain')
  res.end(backends.map((b) => `${b.name} ${b.healthy ? 'up' : 'down'}`).join('\n') + '\n')
})

const host = process.env.LB_HOST ?? '127.0.0.1'
lb.listen(Number(process.env.LB_PORT ?? 8080), host, () => console.log(`stand-in lb listening on ${host}:${process.env.LB_PORT}`))
admin.listen(Number(process.env.LB_ADMIN_PORT ?? 8081), process.env.LB_ADMIN_HOST ?? '127.0.0.1')

process.on('SIGTERM', () => {
  lb.close()
  admin.close()
  process.exit(0)
})
