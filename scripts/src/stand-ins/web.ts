// A stand-in web node: the smallest HTTP server that behaves like a web node
// towards the cluster library (GET /healthz, x-served-by, env contract). Tests
// of the cluster use it so they do not depend on services/web being built.
import { createServer } from 'node:http'

const name = process.env.NODE_NAME ?? 'web-?'
const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '127.0.0.1'
let draining = false

const server = createServer((req, res) => {
  res.setHeader('x-served-by', name)
  res.setHeader('content-type', 'application/json')
  if (req.url === '/healthz') {
    res.statusCode = draining ? 503 : 200
    res.end(JSON.stringify({ status: draining ? 'draining' : 'ok', node: name, sessionServers: (process.env.SESSION_SERVERS ?? '').split(',') }))
    return
  }
  if (req.url === '/env') {
    const keys = ['PORT', 'HOST', 'NODE_NAME', 'SESSION_SERVERS', 'SESSION_SECRETS', 'LB_STATUS_URL', 'TRUSTED_PROXIES', 'STAND_IN_EXTRA']
    res.end(JSON.stringify(Object.fromEntries(keys.map((k) => [k, process.env[k]]))))
    return
  }
  res.end(JSON.stringify({ node: name, url: req.url }))
})

server.listen(port, host, () => console.log(`stand-in ${name} listening on http://${host}:${port}`))

process.on('SIGTERM', () => {
  draining = true
  console.log(`stand-in ${name} draining`)
  server.close(() => process.exit(0))
  server.closeIdleConnections()
})
