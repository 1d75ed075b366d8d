// Prometheus metrics of one node: default process metrics, request latency by
// route and status, login outcomes, and the session store's own counters and
// server health, read at scrape time.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import { TalliedHistogram } from './tallied-histogram.js'
import type { WebSessionStore } from './session-store.js'
import type { Lifecycle } from './lifecycle.js'
import type { LiveRegistry } from './live/live-registry.js'

export type LoginOutcome = 'success' | 'wrong' | 'limited' | 'invalid'

export interface WebMetricsOptions {
  readonly nodeName: string
  readonly store: Pick<WebSessionStore, 'counters' | 'health'>
  readonly lifecycle: Lifecycle
  /** The node's live sockets, counted at scrape time. */
  readonly live?: Pick<LiveRegistry, 'size' | 'sessionIds'>
  /** Process metrics (CPU, heap, event loop lag...). Default true; tests turn it off. */
  readonly defaultMetrics?: boolean
}

const SERVER_STATES = ['up', 'down', 'recovering'] as const

export class WebMetrics {
  // A registry per app rather than prom-client's global one, so tests can
  // build many apps in one process.
  readonly registry = new Registry()
  readonly httpRequestDuration: TalliedHistogram<'method' | 'route' | 'status_code'>
  readonly loginAttempts: Counter<'outcome'>

  constructor (options: WebMetricsOptions) {
    const { store, lifecycle } = options
    const registers = [this.registry]
    this.registry.setDefaultLabels({ node: options.nodeName })
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry })

    // recorded on every request: counted by hand, exposed through the registry as prom-client's own (tallied-histogram.ts)
    this.httpRequestDuration = new TalliedHistogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request to response, by route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers
    })
    this.loginAttempts = new Counter({
      name: 'stickless_login_attempts_total',
      help: 'Login attempts by outcome: success, wrong (credentials), limited (429), invalid (400)',
      labelNames: ['outcome'],
      registers
    })
    new Counter({
      name: 'stickless_session_store_events_total',
      help: 'The session store\'s own counters since this process started (hits, misses, readRepairs, failovers, ...)',
      labelNames: ['event'],
      registers,
      collect () {
        // The store keeps the running totals; mirror them at scrape time.
        this.reset()
        for (const [event, value] of Object.entries(store.counters()) as Array<[string, unknown]>) {
          if (typeof value === 'number' && Number.isFinite(value) && value >= 0) this.inc({ event }, value)
        }
      }
    })
    new Gauge({
      name: 'stickless_session_server_state',
      help: '1 for the state each memcached server is in (up, down or recovering), else 0',
      labelNames: ['server', 'state'],
      registers,
      collect () {
        this.reset()
        for (const server of store.health()) {
          for (const state of SERVER_STATES) this.set({ server: server.id, state }, server.state === state ? 1 : 0)
        }
      }
    })
    const live = options.live
    if (live !== undefined) {
      new Gauge({
        name: 'stickless_live_sockets',
        help: 'Live-channel WebSockets open on this node',
        registers,
        collect () { this.set(live.size) }
      })
      new Gauge({
        name: 'stickless_live_sessions',
        help: 'Distinct sessions with a live socket on this node: the keys of each re-validation read',
        registers,
        collect () { this.set(live.sessionIds().length) }
      })
    }
    new Gauge({
      name: 'stickless_draining',
      help: '1 while the node drains before shutdown (/healthz answers 503), else 0',
      registers,
      collect () {
        this.set(lifecycle.draining ? 1 : 0)
      }
    })
  }
}
