// Your sessions, and sign out everywhere (the contract's GET /api/sessions,
// POST /api/logout-everywhere and POST /logout-everywhere), on the store's
// per-user index.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { WebError } from '../errors.js'
import { signedInUser, signedInUserOf } from '../session-data.js'
import { currentSessionId, endSession } from '../session-cookie.js'
import { requireJsonOrEmpty } from '../content-type-guards.js'
import { listSessions } from '../user-sessions.js'

/** Registered with read-only-session.ts: listing reads, and never writes, this session. */
export async function sessionListRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { config, store, sessionHandle } = deps
  app.get('/api/sessions', async function listUserSessions (request: FastifyRequest, reply: FastifyReply) {
    const stored = request.storedSession
    const user = signedInUserOf(stored?.data, config.absoluteTimeoutMs)
    if (user === undefined) throw new WebError('STK_ERR_WEB_UNAUTHENTICATED')
    const sessions = await listSessions(store, user, stored?.id, config.absoluteTimeoutMs, sessionHandle)
    return reply.code(200).send({ sessions })
  })
}

/**
 * Ends every session of the signed-in user on every memcached server; false
 * when the request is not signed in. This request's own session is ended by
 * its id as well: the index may not name it (an index entry is bounded by
 * maxSessionsPerUser, and is written after the session itself).
 */
async function logOutEverywhere (request: FastifyRequest, reply: FastifyReply, deps: RouteDependencies): Promise<boolean> {
  const user = signedInUser(request, deps.config.absoluteTimeoutMs)
  if (user === undefined) {
    await endSession(request, reply)
    return false
  }
  const currentId = currentSessionId(request)
  const ended = await deps.store.destroyUserSessions(user)
  await endSession(request, reply)
  deps.live.userSignedOut(user)
  if (currentId !== undefined) deps.live.sessionEnded(currentId)
  request.log.info({ user, ended }, 'logout everywhere')
  return true
}

/** Registered in the session context: these end sessions. */
export async function logoutEverywhereRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  app.post('/api/logout-everywhere', { preValidation: requireJsonOrEmpty }, async function apiLogoutEverywhere (request: FastifyRequest, reply: FastifyReply) {
    if (!await logOutEverywhere(request, reply, deps)) throw new WebError('STK_ERR_WEB_UNAUTHENTICATED')
    return reply.code(204).send()
  })

  // The form carries _csrf, so another site cannot sign a user out everywhere.
  app.post('/logout-everywhere', { preHandler: app.csrfProtection.bind(app) }, async function logoutEverywhere (request: FastifyRequest, reply: FastifyReply) {
    await logOutEverywhere(request, reply, deps)
    return reply.redirect('/login', 303)
  })
}
