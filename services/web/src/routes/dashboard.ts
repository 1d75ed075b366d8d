import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { MAX_SESSIONS_PER_USER, appendHop, signedInUser } from '../session-data.js'
import { endSession, isHttps } from '../session-cookie.js'
import { dashboardPage } from '../views/dashboard-page.js'
import { sendHtml } from '../views/send-html.js'
import type { SessionServerHealth } from '../session-store.js'
import { listSessions, type SessionSummary } from '../user-sessions.js'

export async function dashboardRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { config, nodes, store } = deps

  app.get('/', async function showDashboard (request: FastifyRequest, reply: FastifyReply) {
    const user = signedInUser(request, config.absoluteTimeoutMs)
    if (user === undefined) {
      // A stored session without a live user (past its absolute lifetime)
      // is removed rather than kept alive by rolling saves.
      await endSession(request, reply)
      return reply.redirect('/login', 303)
    }
    const session = request.session
    const hop = { node: config.nodeName, at: new Date().toISOString() }
    session.hops = appendHop(session.hops, hop)
    session.lastSeen = hop
    let sessionServers: readonly SessionServerHealth[] = []
    try { sessionServers = store.health() } catch { /* the panel shows none */ }
    // The list is a side panel: a store that cannot list it does not cost the user the page.
    // The store still holds this session as it was before this request, which
    // is saved after the page is built: its row shows this request as its last.
    const listing = listSessions(store, user, session.sessionId, config.absoluteTimeoutMs, deps.sessionHandle).then(
      (list) => list.map((s) => s.current ? { ...s, lastSeenAt: hop.at, node: hop.node } : s),
      (err: unknown): undefined => {
        request.log.warn({ err }, 'could not list the user\'s sessions')
        return undefined
      })
    const [snapshot, sessions]: [Awaited<ReturnType<typeof nodes.snapshot>>, SessionSummary[] | undefined] = await Promise.all([nodes.snapshot(), listing])
    const csrfToken = reply.generateCsrf({ secure: isHttps(request) })
    return sendHtml(reply, 200, (nonce) => dashboardPage({
      nonce,
      nodeName: config.nodeName,
      user,
      createdAt: session.createdAt ?? Date.now(),
      idleTimeoutMs: config.idleTimeoutMs,
      absoluteTimeoutMs: config.absoluteTimeoutMs,
      hops: session.hops ?? [],
      cart: session.cart ?? [],
      csrfToken,
      nodes: snapshot,
      sessionServers,
      sessions,
      maxSessionsPerUser: MAX_SESSIONS_PER_USER
    }))
  })
}
