// A Node peer for our LB: Fastify with @fastify/reply-from, which proxies
// through undici (a BalancedPool when given several bases), round robin over
// the nodes. Like the bare http-proxy, nothing else: no retries of our kind,
// no health checks, metrics or logs; X-Forwarded-* set as our LB sets them.
//
// `HELLO_PORT= WEB_PORT= HELLO_TARGETS=http://..,.. WEB_TARGETS=.. node bench/dist/src/reply-from-proxy.js`
import replyFrom, { type FastifyReplyFromHooks } from '@fastify/reply-from'
import Fastify from 'fastify'

// One options object for every request, not a closure each.
const fromOptions: FastifyReplyFromHooks = {
  rewriteRequestHeaders: (request, headers) => ({
    ...headers,
    'x-forwarded-for': request.ip,
    'x-forwarded-proto': 'http',
    'x-forwarded-host': request.headers.host ?? ''
  })
}

async function listen (port: number, targets: readonly string[]): Promise<void> {
  const app = Fastify({ logger: false })
  await app.register(replyFrom, { base: [...targets] })
  app.all('/*', (request, reply) => reply.from(request.url, fromOptions))
  await app.listen({ port, host: '127.0.0.1' })
}

const targets = (name: string): string[] => (process.env[name] ?? '').split(',').filter((t) => t !== '')
await listen(Number(process.env.HELLO_PORT), targets('HELLO_TARGETS'))
await listen(Number(process.env.WEB_PORT), targets('WEB_TARGETS'))
process.once('SIGTERM', () => process.exit(0))
