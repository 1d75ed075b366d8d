import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { endSession } from '../session-cookie.js'

export async function logoutRoutes (app: FastifyInstance, _deps: RouteDependencies): Promise<void> {
  // The form carries _csrf, so another site cannot sign a user out.
  app.post('/logout', { preHandler: app.csrfProtection.bind(app) }, async function logout (request: FastifyRequest, reply: FastifyReply) {
    if (await endSession(request, reply)) request.log.info('logout')
    return reply.redirect('/login', 303)
  })
}
