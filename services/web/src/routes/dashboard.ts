import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { appendHop, signedInUser } from '../session-data.js'
import { endSession, isHttps } from '../session-cookie.js'
import { dashboardPage } from '../views/dashboard-page.js'
import { sendHtml } from '../views/send-html.js'
import type { SessionServerHealth } from '../session-store.js'

export async function dashboardRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { config, cluster, store } = deps

  app.get('/', async function showDashboard (request: FastifyRequest, reply: FastifyReply) {
    const user = signedInUser(request, config.absoluteTimeoutMs)
    if (user === undefined) {
      // A stored session without a live user (past its absolute lifetime)
      // is removed rather than kept alive by rolling saves.
      await endSession(request, reply)
      return reply.redirect('/login', 303)
    }
    const session = request.session
    session.hops = appendHop(session.hops, { node: config.nodeName, at: new Date().toISOString() })
    let sessionServers: readonly SessionServerHealth[] = []
    try { sessionServers = store.health() } catch { /* the panel shows none */ }
    const snapshot = await cluster.snapshot()
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
      cluster: snapshot,
      sessionServers
    }))
  })
}
