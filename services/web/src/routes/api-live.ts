// GET /api/live: the live channel (docs/live-channel.md). Registered with
// read-only-session.ts, so the upgrade is authenticated the way
// GET /api/session is, without writing or extending the session; a refused
// upgrade is answered over HTTP (401, 403) before any 101.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import type { RouteDependencies } from '../route-dependencies.js'
import { WebError } from '../errors.js'
import { signedInUserOf } from '../session-data.js'
import { listSessions } from '../user-sessions.js'
import { TokenBucket } from '../live/token-bucket.js'
import { LiveSocket } from '../live/live-socket.js'
import { answerTo, cartOf, LIVE_CLOSE } from '../live/live-messages.js'
import { readCluster } from '../live/live-checker.js'
import { LIVE_PATH } from '../live/live-channel.js'

/** True when the page that opens the socket is of this site: its origin's host is the one the client asked for. */
export function sameSite (origin: string | undefined, host: string): boolean {
  if (origin === undefined) return true // not a browser: nothing to forge
  try {
    const url = new URL(origin)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host.toLowerCase() === host.toLowerCase()
  } catch {
    return false // "null" and other opaque origins
  }
}

export async function apiLiveRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { config, live, store, nodes, sessionHandle } = deps

  /** Refuses the upgrade over HTTP, before the 101. */
  async function admitLiveSocket (request: FastifyRequest): Promise<void> {
    // request.host is X-Forwarded-Host from the LB (a trusted proxy), else Host
    if (!sameSite(request.headers.origin, request.host)) throw new WebError('STK_ERR_WEB_FOREIGN_ORIGIN')
    if (signedInUserOf(request.storedSession?.data, config.absoluteTimeoutMs) === undefined) throw new WebError('STK_ERR_WEB_UNAUTHENTICATED')
  }

  app.route({
    method: 'GET',
    url: LIVE_PATH,
    preHandler: admitLiveSocket,
    handler: async function liveWithoutUpgrade (_request: FastifyRequest, _reply: FastifyReply) {
      throw new WebError('STK_ERR_WEB_UPGRADE_REQUIRED')
    },
    wsHandler: function openLiveSocket (ws: WebSocket, request: FastifyRequest) {
      const stored = request.storedSession
      const user = signedInUserOf(stored?.data, config.absoluteTimeoutMs)
      if (stored === null || user === undefined) {
        ws.close(LIVE_CLOSE.sessionEnded, 'session ended')
        return
      }
      const socket = new LiveSocket(ws, stored.id, user)
      if (!live.registry.add(socket)) {
        ws.close(LIVE_CLOSE.goingAway, 'node draining')
        return
      }
      ws.on('close', () => { live.registry.remove(socket) })
      const bucket = new TokenBucket(config.liveMessagesPerSecond, config.liveMessageBurst)
      ws.on('message', function onLiveMessage (data, isBinary) {
        // a throw here would reach ws's socket handler and the process: never let one out
        try {
          if (!bucket.take()) {
            live.registry.remove(socket)
            socket.close(LIVE_CLOSE.policy, 'too many messages')
            return
          }
          socket.send(answerTo(data, isBinary))
        } catch (err) {
          request.log.warn({ err }, 'live message failed')
          live.registry.remove(socket)
          socket.close(LIVE_CLOSE.failed, 'node failed')
        }
      })
      socket.send({ type: 'hello', node: config.nodeName, user })
      socket.pushCart(cartOf(stored.data))
      void (async () => {
        try {
          socket.pushSessions(await listSessions(store, user, stored.id, config.absoluteTimeoutMs, sessionHandle))
        } catch {
          // the store could not list them now; the tick tries again
        }
        const cluster = await readCluster(nodes, store)
        if (cluster !== undefined) socket.pushNodes(cluster)
      })()
    }
  })
}
