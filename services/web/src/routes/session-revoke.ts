// Revoking one session of the signed-in user by its handle (session-handle.ts):
// DELETE /api/sessions/:handle and the dashboard's form,
// POST /sessions/:handle/logout. Registered in the session context, since
// revoking this very session also ends this request's cookie, as a logout does.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { WebError } from '../errors.js'
import { signedInUser } from '../session-data.js'
import { currentSessionId, endSession } from '../session-cookie.js'
import { isHandleShaped } from '../session-handle.js'
import { userSessionEntries } from '../user-sessions.js'
import type { WebSessionStore } from '../session-store.js'

interface HandleParams {
  readonly handle: string
}

async function destroy (store: WebSessionStore, sessionId: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    store.destroy(sessionId, (err) => { if (err !== null && err !== undefined) reject(err); else resolve() })
  })
}

/**
 * Ends the signed-in user's session that `handle` names, on every memcached
 * server, and its live sockets on this node at once (other nodes' sockets
 * close at their next tick). A handle of no session of this user is a 404,
 * whoever's it is: a handle names nothing to anyone else.
 */
async function revoke (request: FastifyRequest<{ Params: HandleParams }>, reply: FastifyReply, deps: RouteDependencies): Promise<void> {
  const user = signedInUser(request, deps.config.absoluteTimeoutMs)
  if (user === undefined) throw new WebError('STK_ERR_WEB_UNAUTHENTICATED')
  const { handle } = request.params
  if (!isHandleShaped(handle)) throw new WebError('STK_ERR_WEB_SESSION_NOT_FOUND')
  const currentId = currentSessionId(request)
  if (currentId !== undefined && deps.sessionHandle(currentId) === handle) {
    await endSession(request, reply)
    deps.live.sessionEnded(currentId)
    request.log.info('session revoked: this one')
    return
  }
  const entries = await userSessionEntries(deps.store, user, deps.config.absoluteTimeoutMs)
  const target = entries.find((entry) => deps.sessionHandle(entry.id) === handle)
  if (target === undefined) throw new WebError('STK_ERR_WEB_SESSION_NOT_FOUND')
  await destroy(deps.store, target.id)
  deps.live.sessionEnded(target.id)
  request.log.info({ session: deps.sessionLogId(target.id) }, 'session revoked')
}

export async function sessionRevokeRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  // A cross-site page cannot send DELETE without CORS, which this node never grants.
  app.delete<{ Params: HandleParams }>('/api/sessions/:handle', async function apiRevokeSession (request, reply) {
    await revoke(request, reply, deps)
    return reply.code(204).send()
  })

  // The form carries _csrf, so another site cannot sign a user's session out.
  app.post<{ Params: HandleParams }>('/sessions/:handle/logout', { preHandler: app.csrfProtection.bind(app) }, async function revokeSession (request, reply) {
    await revoke(request, reply, deps)
    return reply.redirect('/', 303)
  })
}
