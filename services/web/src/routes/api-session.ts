import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { signedInUser } from '../session-data.js'

/** Registered in a context whose sessions do not roll: it never writes. */
export async function apiSessionRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { config } = deps
  app.get('/api/session', function readSession (request: FastifyRequest, reply: FastifyReply) {
    const user = signedInUser(request, config.absoluteTimeoutMs)
    if (user === undefined) {
      return reply.code(401).send({ authenticated: false, node: config.nodeName })
    }
    return reply.code(200).send({ authenticated: true, user, node: config.nodeName, cart: request.session.cart ?? [] })
  })
}
