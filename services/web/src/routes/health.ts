import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import type { SessionServerHealth } from '../session-store.js'

export async function healthRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { config, store, lifecycle } = deps

  // 503 only while draining. A memcached outage is reported in the body but
  // keeps the node healthy: every node shares the store, so failing health on
  // it would take the whole cluster out of rotation at once.
  // Probed every second by the LB (and by compose): logging each probe would drown the useful lines.
  app.get('/healthz', { logLevel: 'warn' }, function health (request: FastifyRequest, reply: FastifyReply) {
    let sessionServers: SessionServerHealth[] = []
    try {
      // id and state only: the store's error details are for logs, not for
      // whoever can reach this endpoint.
      sessionServers = store.health().map(({ id, state }) => ({ id, state }))
    } catch (err) {
      request.log.warn({ err }, 'store health unavailable')
    }
    const draining = lifecycle.draining
    return reply.code(draining ? 503 : 200).send({
      status: draining ? 'draining' : 'ok',
      node: config.nodeName,
      sessionServers
    })
  })
}
