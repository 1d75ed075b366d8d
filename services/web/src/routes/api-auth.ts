import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { requireJson } from '../content-type-guards.js'
import { parseLoginInput, type LoginInput } from '../auth/login-input.js'
import { attemptLogin } from '../auth/login-flow.js'
import { WebError } from '../errors.js'
import { currentSessionId, endSession } from '../session-cookie.js'

export async function apiAuthRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  app.post('/api/login', { preValidation: requireJson }, async function apiLogin (request: FastifyRequest, reply: FastifyReply) {
    let input: LoginInput
    try {
      input = parseLoginInput(request.body)
    } catch (err) {
      deps.metrics.loginAttempts.inc({ outcome: 'invalid' })
      throw err
    }
    const result = await attemptLogin(request, input, deps)
    if (result.outcome === 'limited') throw new WebError('STK_ERR_WEB_TOO_MANY_LOGIN_ATTEMPTS')
    if (result.outcome === 'wrong') throw new WebError('STK_ERR_WEB_WRONG_CREDENTIALS')
    return reply.code(200).send({ user: result.user })
  })

  // 204 whether or not there was a session: logging out twice is not an error.
  app.post('/api/logout', async function apiLogout (request: FastifyRequest, reply: FastifyReply) {
    const sessionId = currentSessionId(request)
    if (await endSession(request, reply)) {
      if (sessionId !== undefined) deps.live.sessionEnded(sessionId)
      request.log.info('logout')
    }
    return reply.code(204).send()
  })
}
