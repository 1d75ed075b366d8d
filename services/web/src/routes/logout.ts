import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { currentSessionId, endSession } from '../session-cookie.js'

export async function logoutRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  // The form carries _csrf, so another site cannot sign a user out.
  app.post('/logout', { preHandler: app.csrfProtection.bind(app) }, async function logout (request: FastifyRequest, reply: FastifyReply) {
    const sessionId = currentSessionId(request)
    if (await endSession(request, reply)) {
      if (sessionId !== undefined) deps.live.sessionEnded(sessionId)
      request.log.info('logout')
    }
    return reply.redirect('/login', 303)
  })
}
