// A reference point, not a product: the least a Node load balancer built on
// http-proxy can cost. Round robin, a keep-alive agent, X-Forwarded-* from
// http-proxy itself, and nothing else (no retries, health checks, metrics,
// logs or header hygiene). Where our LB stands between this and nginx says
// how much of the gap is our code and how much is Node's HTTP stack.
//
// `HELLO_PORT= WEB_PORT= HELLO_TARGETS=http://..,.. WEB_TARGETS=.. node bench/dist/src/bare-proxy.js`
import http from 'node:http'
import httpProxy from 'http-proxy'

function listen (port: number, targets: readonly string[], proxy: httpProxy): void {
  let next = 0
  http.createServer((req, res) => {
    const target = targets[next++ % targets.length] as string
    proxy.web(req, res, { target }, () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
  }).listen(port, '127.0.0.1')
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 })
const proxy = httpProxy.createProxyServer({ agent, xfwd: true })
const targets = (name: string): string[] => (process.env[name] ?? '').split(',').filter((t) => t !== '')
listen(Number(process.env.HELLO_PORT), targets('HELLO_TARGETS'), proxy)
listen(Number(process.env.WEB_PORT), targets('WEB_TARGETS'), proxy)
process.once('SIGTERM', () => process.exit(0))
