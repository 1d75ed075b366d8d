// Headers on every response of the node, errors and 404s included.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { WebError } from './errors.js'
import type { Lifecycle } from './lifecycle.js'

export function installResponseHeaders (app: FastifyInstance, nodeName: string, lifecycle: Lifecycle): void {
  app.addHook('onSend', function stampResponseHeaders (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload: unknown) => void) {
    reply.header('x-served-by', nodeName)
    reply.header('x-request-id', request.id)
    // The contract asks for no-store on every signed-in response. Every page
    // here is per-user or per-node, so all responses get it: a cache can
    // never hand one user's dashboard to another, whatever the route.
    reply.header('cache-control', 'no-store')
    reply.header('x-content-type-options', 'nosniff')
    if (lifecycle.draining) {
      // Ask the LB to drop its keep-alive socket to us after this response,
      // so no idle socket is left to be reused when we stop accepting.
      reply.header('connection', 'close')
    }
    done(null, payload)
  })
}

/** HTTP/1.1 requires a Host header (RFC 9112 §3.2): a request without one is a 400. */
export function installRequireHost (app: FastifyInstance): void {
  app.addHook('onRequest', function requireHost (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) {
    const host = request.headers.host
    if (request.raw.httpVersion === '1.1' && (host === undefined || host === '')) {
      done(new WebError('STK_ERR_WEB_BAD_REQUEST', 'HTTP/1.1 requests need a Host header'))
      return
    }
    done()
  })
}
