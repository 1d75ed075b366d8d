import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { WebMetrics } from './metrics.js'

export function installRequestMetrics (app: FastifyInstance, metrics: WebMetrics): void {
  app.addHook('onResponse', function recordRequestDuration (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    // The route pattern, not the URL: labels must stay few.
    const route = request.routeOptions.url ?? (reply.statusCode === 404 ? 'not_found' : 'unmatched')
    metrics.httpRequestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000
    )
    done()
  })
}
