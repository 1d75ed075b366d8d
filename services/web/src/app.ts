// Builds a web node's Fastify app without listening (main.ts listens; tests
// use inject). The layout of contexts is the architecture:
//
//   root        x-served-by & co, errors, metrics hook, GET /healthz, GET /metrics
//   └ pages     cookies, forms, stateless CSRF, GET /login
//     ├ session         (rolling)  GET /, POST /login, POST /logout, POST /api/login,
//     │                            POST /api/logout, POST /api/cart,
//     │                            POST /logout-everywhere, POST /api/logout-everywhere
//     │                            DELETE /api/sessions/:handle, POST /sessions/:handle/logout
//     └ session-read    (read-only, no @fastify/session)  GET /api/session, GET /api/sessions,
//                                  GET /api/live (the WebSocket, see live/live-channel.ts)
//
// Only the two session contexts ever talk to the store, so health checks,
// scrapes and the login form cost nothing there and work while it is down.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginCallback, type FastifyServerOptions } from 'fastify'
import fastifyCookie from '@fastify/cookie'
import fastifyFormbody from '@fastify/formbody'
import fastifyCsrfProtection from '@fastify/csrf-protection'
import type { WebConfig } from './config.js'
import type { WebSessionStore } from './session-store.js'
import { Lifecycle } from './lifecycle.js'
import { WebMetrics } from './metrics.js'
import { LoginLimiter, type LoginLimiterOptions } from './auth/login-limiter.js'
import { NodesStatus, type NodesStatusSource } from './nodes-status.js'
import { createSessionLogId } from './session-log-id.js'
import { CachingSigner } from './caching-signer.js'
import { installAccessLog } from './access-log.js'
import { requestIdFrom } from './request-id.js'
import { lazyRequestLogger } from './lazy-request-logger.js'
import { createClientErrorHandler } from './client-errors.js'
import { createFrameworkErrorHandler, installErrorHandling } from './error-handling.js'
import { installRequireHost, installResponseHeaders } from './response-headers.js'
import { installRequestMetrics } from './request-metrics.js'
import sessionSupport from './plugins/session-support.js'
import readOnlySession from './plugins/read-only-session.js'
import type { RouteDependencies } from './route-dependencies.js'
import { healthRoutes } from './routes/health.js'
import { metricsRoutes } from './routes/metrics.js'
import { loginFormRoutes, loginSubmitRoutes } from './routes/login.js'
import { logoutRoutes } from './routes/logout.js'
import { dashboardRoutes } from './routes/dashboard.js'
import { apiAuthRoutes } from './routes/api-auth.js'
import { apiSessionRoutes } from './routes/api-session.js'
import { apiCartRoutes } from './routes/api-cart.js'
import { logoutEverywhereRoutes, sessionListRoutes } from './routes/user-sessions.js'
import { sessionRevokeRoutes } from './routes/session-revoke.js'
import { apiLiveRoutes } from './routes/api-live.js'
import { createSessionHandle } from './session-handle.js'
import { createLiveChannel, installLiveChannel } from './live/live-channel.js'
import { installServerTiming } from './tracing/server-timing.js'

export interface BuildAppOptions {
  readonly config: WebConfig
  readonly store: WebSessionStore
  /** Shared with the shutdown code, which starts the drain. */
  readonly lifecycle?: Lifecycle
  /** pino options, or false for none (tests). Default false. */
  readonly logger?: FastifyServerOptions['logger']
  /** A ready pino logger (main.ts shares it with the store); wins over `logger`. */
  readonly loggerInstance?: FastifyBaseLogger
  /** Replaces the LB status reader (tests). */
  readonly nodes?: NodesStatusSource
  readonly limiter?: LoginLimiterOptions
  /** Process metrics; default true. */
  readonly defaultMetrics?: boolean
  /** @fastify/otel's plugin when tracing is on (tracing/web-tracing.ts); registered before everything else. */
  readonly tracingPlugin?: FastifyPluginCallback
}

/**
 * The contract's body limit for a node, 1 MiB (Fastify's own default, stated
 * here once). The LB's default limit is the same, so a body over it is refused
 * at the LB before a node sees it, and a node behind another proxy still caps it.
 */
export const BODY_LIMIT_BYTES = 1024 * 1024

export const serverTimeouts = Object.freeze({
  // A request (headers and body) must arrive within this.
  requestTimeoutMs: 15_000,
  // Headers must arrive within this (slowloris).
  headersTimeoutMs: 10_000,
  // Longer than the LB keeps an idle socket for reuse (under 60 s): the LB
  // always closes first, so it never sends a request on a socket we are
  // closing at that very moment (which would fail a request).
  keepAliveTimeoutMs: 72_000,
  // How often Node checks the two timeouts above (its default is 30 s, which
  // would let a slow client hold a socket three times longer than intended).
  connectionsCheckingIntervalMs: 1_000
})

export function buildApp (options: BuildAppOptions): FastifyInstance {
  const { config, store } = options
  const lifecycle = options.lifecycle ?? new Lifecycle()
  const signer = new CachingSigner({ secrets: config.sessionSecrets })

  const app: FastifyInstance = Fastify({
    ...(options.loggerInstance !== undefined ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    // X-Forwarded-* is believed from the LB only; request.ip and
    // request.protocol then say what the LB saw.
    trustProxy: [...config.trustedProxies],
    bodyLimit: BODY_LIMIT_BYTES,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestIdHeader: false,
    // Fastify's two lines per request are replaced by one (access-log.ts), or none.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    genReqId: requestIdFrom,
    requestTimeout: serverTimeouts.requestTimeoutMs,
    keepAliveTimeout: serverTimeouts.keepAliveTimeoutMs,
    http: {
      headersTimeout: serverTimeouts.headersTimeoutMs,
      connectionsCheckingInterval: serverTimeouts.connectionsCheckingIntervalMs,
      // Node would answer a request without Host itself, with an empty 400
      // and no x-served-by; requireHost below answers it in the contract's shape.
      requireHostHeader: false
    },
    // While closing, requests still arriving on open keep-alive sockets are
    // served rather than refused with 503 (the LB would pass a 503 on).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    clientErrorHandler: createClientErrorHandler(config.nodeName),
    frameworkErrors: createFrameworkErrorHandler(config.nodeName)
  })

  const nodes = options.nodes ?? new NodesStatus({ url: config.lbStatusUrl })
  // the first secret signs: every node of one deployment has the same first secret
  const sessionHandle = createSessionHandle(config.sessionSecrets[0] ?? '')
  const live = createLiveChannel({
    store,
    nodes,
    handleOf: sessionHandle,
    intervalMs: config.liveCheckIntervalMs,
    pingIntervalMs: config.livePingIntervalMs,
    absoluteTimeoutMs: config.absoluteTimeoutMs,
    log: app.log
  })
  const metrics = new WebMetrics({ nodeName: config.nodeName, store, lifecycle, live: live.registry, defaultMetrics: options.defaultMetrics })
  const deps: RouteDependencies = {
    config,
    store,
    lifecycle,
    metrics,
    limiter: new LoginLimiter(store, options.limiter),
    nodes,
    sessionLogId: createSessionLogId(config.sessionSecrets[0] ?? ''),
    sessionHandle,
    live
  }

  if (options.tracingPlugin !== undefined) app.register(options.tracingPlugin)
  installServerTiming(app)
  installResponseHeaders(app, config.nodeName, lifecycle)
  installRequireHost(app)
  installErrorHandling(app, config.nodeName)
  installRequestMetrics(app, metrics)
  if (config.accessLog) installAccessLog(app, deps.sessionLogId)
  installLiveChannel(app, deps.live, config.nodeName)
  app.register(healthRoutes, deps)
  app.register(metricsRoutes, deps)

  app.register(async function pages (pagesApp: FastifyInstance) {
    await pagesApp.register(fastifyCookie, { secret: signer })
    await pagesApp.register(fastifyFormbody)
    await pagesApp.register(fastifyCsrfProtection, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'csrf',
      // Signed double-submit cookie: stateless, so the login form needs no
      // session. Secure is added per request (see generateCsrf callers).
      cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, signed: true },
      getToken: (request) => (request.body as { _csrf?: unknown } | undefined)?._csrf as string | undefined
    })
    await pagesApp.register(loginFormRoutes, deps)

    pagesApp.register(async function sessionRoutes (sessionApp: FastifyInstance) {
      await sessionApp.register(sessionSupport, { store, signer, idleTimeoutMs: config.idleTimeoutMs })
      await sessionApp.register(dashboardRoutes, deps)
      await sessionApp.register(loginSubmitRoutes, deps)
      await sessionApp.register(logoutRoutes, deps)
      await sessionApp.register(apiAuthRoutes, deps)
      await sessionApp.register(apiCartRoutes, deps)
      await sessionApp.register(logoutEverywhereRoutes, deps)
      await sessionApp.register(sessionRevokeRoutes, deps)
    })

    pagesApp.register(async function readOnlySessionRoutes (readApp: FastifyInstance) {
      await readApp.register(readOnlySession, { store, signer })
      await readApp.register(apiSessionRoutes, deps)
      await readApp.register(sessionListRoutes, deps)
      await readApp.register(apiLiveRoutes, deps)
    })
  })

  return app
}
