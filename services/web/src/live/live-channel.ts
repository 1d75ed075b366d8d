// The node's live channel: its sockets (registry), their re-validation
// (checker), and @fastify/websocket wired to them. The sockets are closed
// with 1001 when the app closes, which on SIGTERM is after the drain, once
// the LB has taken the node out of rotation (shutdown.ts).
import fastifyWebsocket from '@fastify/websocket'
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import type { WebSessionStore } from '../session-store.js'
import type { NodesStatusSource } from '../nodes-status.js'
import type { SessionHandle } from '../session-handle.js'
import { WebError } from '../errors.js'
import { LiveRegistry } from './live-registry.js'
import { LiveChecker } from './live-checker.js'
import { LiveHeartbeat } from './live-heartbeat.js'
import { LIVE_CLOSE, LIVE_MAX_PAYLOAD_BYTES } from './live-messages.js'

export const LIVE_PATH = '/api/live'

/** How long a client has to answer the node's close before its socket is cut. */
export const LIVE_CLOSE_GRACE_MS = 1000

export interface LiveChannel {
  readonly registry: LiveRegistry
  readonly checker: LiveChecker
  readonly heartbeat: LiveHeartbeat
  /** A session ended on this node: its sockets here close at once, without waiting for the tick. */
  sessionEnded: (sessionId: string) => void
  /** Every session of a user ended on this node (logout everywhere). */
  userSignedOut: (user: string) => void
}

export interface LiveChannelOptions {
  readonly store: Pick<WebSessionStore, 'peekSessions' | 'userSessions' | 'health'>
  readonly nodes: NodesStatusSource
  readonly handleOf: SessionHandle
  readonly intervalMs: number
  /** How often every socket is pinged; one that missed the previous ping is cut. */
  readonly pingIntervalMs: number
  readonly absoluteTimeoutMs: number
  readonly log: FastifyBaseLogger
}

export function createLiveChannel (options: LiveChannelOptions): LiveChannel {
  const registry = new LiveRegistry()
  const checker = new LiveChecker({ ...options, registry })
  return {
    registry,
    checker,
    heartbeat: new LiveHeartbeat(registry, options.pingIntervalMs),
    sessionEnded: (sessionId) => { registry.closeSession(sessionId, LIVE_CLOSE.sessionEnded, 'session ended') },
    userSignedOut: (user) => { registry.closeUser(user, LIVE_CLOSE.sessionEnded, 'session ended') }
  }
}

/** On the root instance, before any route: @fastify/websocket takes the server's upgrades and sees every route. */
export function installLiveChannel (app: FastifyInstance, live: LiveChannel, nodeName: string): void {
  app.register(fastifyWebsocket, {
    // ws closes a socket whose message is larger with 1009
    options: { maxPayload: LIVE_MAX_PAYLOAD_BYTES },
    errorHandler: function liveSocketFailed (err: Error, ws: WebSocket, request: FastifyRequest) {
      // ws has already begun closing a socket whose client broke the
      // protocol (1009, 1002...): that close code is the answer. An error of
      // ours ends only this socket, with 1011.
      request.log.info({ err: err.message }, 'live socket error')
      if (ws.readyState === ws.OPEN) ws.close(LIVE_CLOSE.failed, 'node failed')
    },
    preClose: function closeLiveSockets (done: (err?: Error) => void) {
      live.checker.stop()
      live.heartbeat.stop()
      const wss = this.websocketServer
      live.registry.closeAll(LIVE_CLOSE.goingAway, 'node draining', LIVE_CLOSE_GRACE_MS).then(() => {
        wss.close() // takes no more; each socket was closed above
        done()
      }, done)
    }
  })
  // @fastify/websocket would answer an upgrade of any other GET route with a
  // 101 and a close at once; there is no socket there, so it is a 404.
  app.addHook('onRequest', function refuseOtherUpgrades (request: FastifyRequest, _reply, done) {
    done(request.ws && request.routeOptions.url !== LIVE_PATH ? new WebError('STK_ERR_WEB_NOT_FOUND') : undefined)
  })
  app.addHook('onReady', function startLiveChecks (done) {
    // ws writes the 101 itself, past the response hooks: it says who served it too
    app.websocketServer.on('headers', (headers: string[]) => { headers.push(`x-served-by: ${nodeName}`) })
    live.checker.start()
    live.heartbeat.start()
    done()
  })
  app.addHook('onClose', function stopLiveChecks (_app, done) {
    live.checker.stop()
    live.heartbeat.stop()
    done()
  })
}
