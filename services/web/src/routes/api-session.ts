import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { signedInUserOf } from '../session-data.js'

/** Registered with read-only-session.ts: the session is read, never written. */
export async function apiSessionRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { config } = deps
  app.get('/api/session', function readSession (request: FastifyRequest, reply: FastifyReply) {
    const session = request.storedSession?.data
    const user = signedInUserOf(session, config.absoluteTimeoutMs)
    if (user === undefined) {
      return reply.code(401).send({ authenticated: false, node: config.nodeName })
    }
    return reply.code(200).send({ authenticated: true, user, node: config.nodeName, cart: session?.cart ?? [] })
  })
}
