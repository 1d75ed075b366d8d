import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { Balancer } from '@stickless/balancer'
import type { Logger } from 'pino'
import { sendError } from '../http/error-response.js'
import { requestIdOf } from '../http/request-id.js'
import { errorCodes } from '../config/errors.js'
import type { EventLog } from './event-log.js'
import type { LbMetrics } from './metrics.js'
import { statusPage } from './status-page.js'
import { statusReport, type RequestTotals, type StatusReport, type UpstreamSource, type WorkerStatus } from './status-report.js'
import type { TrafficHistory } from './traffic-history.js'

export interface AdminServerOptions {
  readonly balancer: Balancer
  readonly metrics: LbMetrics
  readonly totals: Readonly<RequestTotals>
  readonly traffic: TrafficHistory
  readonly events: EventLog
  readonly startedAtMs: number
  readonly logger: Logger
  readonly headersTimeoutMs: number
  readonly requestTimeoutMs: number
  /** Per-upstream figures, when they are not the balancer's own (the cluster primary's merge). */
  readonly upstreams?: UpstreamSource
  /** The proxying processes, when there are workers. */
  readonly workers?: () => WorkerStatus[]
  /** The /metrics text, when it is not the registry's alone (the cluster primary merges its workers'). */
  readonly collectMetrics?: () => Promise<string>
  /** Open upgraded connections per upstream id: the proxy's, or the primary's sum of its workers'. */
  readonly upgradedSockets?: () => ReadonlyMap<string, number>
}

/**
 * The admin server: GET /status (HTML, rendered with the current figures),
 * /status.json, /metrics (Prometheus) and /healthz (the LB's own liveness).
 * It listens on loopback by default; it has no authentication.
 */
export function createAdminServer (options: AdminServerOptions): http.Server {
  const history = { traffic: options.traffic, events: options.events }
  const report = (): StatusReport => statusReport(options.upstreams ?? options.balancer, options.totals, options.startedAtMs, Date.now(), history, options.workers?.(), options.upgradedSockets?.())
  const server = http.createServer({
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs
  }, (req, res) => {
    route(req, res).catch((error: unknown) => {
      options.logger.error({ err: error, url: req.url }, 'admin request failed')
      sendError(req, res, new errorCodes.STK_ERR_LB_INTERNAL(), requestIdOf(req.headers))
    })
  })
  server.on('clientError', (_error, socket) => socket.destroy())
  return server

  async function route (req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => {})
    const path = new URL(req.url ?? '/', 'http://admin').pathname
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Only GET and HEAD\n')
      return
    }
    switch (path) {
      case '/':
        res.writeHead(302, { location: '/status' }).end()
        return
      case '/status':
        send(req, res, 'text/html; charset=utf-8', statusPage(report()))
        return
      case '/status.json':
        send(req, res, 'application/json; charset=utf-8', JSON.stringify(report()))
        return
      case '/metrics':
        send(req, res, options.metrics.registry.contentType, await (options.collectMetrics?.() ?? options.metrics.registry.metrics()))
        return
      case '/healthz':
        send(req, res, 'application/json; charset=utf-8', JSON.stringify({ status: 'ok', inRotation: options.balancer.availableCount() }))
        return
      default:
        sendError(req, res, new errorCodes.STK_ERR_LB_NOT_FOUND(req.method, path), requestIdOf(req.headers))
    }
  }
}

function send (req: IncomingMessage, res: ServerResponse, contentType: string, body: string): void {
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store'
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}
