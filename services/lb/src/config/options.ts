import { isIP } from 'node:net'
import { Type, type TString } from '@sinclair/typebox'
import { integer, resolveWithSchema } from '@stickless/balancer'
import { toBackendTarget } from '../upstreams/backend-list.js'
import { errorCodes } from './errors.js'

/** One backend as configured: a name and where it listens. Its host may resolve to several addresses. */
export interface BackendSpec {
  /** Display name (logs, metrics, status page). Default: `host:port`. */
  readonly name?: string | undefined
  /** `http://host:port`; the host may be a name that resolves to several addresses. */
  readonly url: string
  /** Share of traffic of each of its addresses, 1 to 100. Default 1. */
  readonly weight?: number | undefined
}

export interface TlsMaterial {
  readonly cert: string | Buffer
  readonly key: string | Buffer
}

export interface LbOptions {
  /** Interface of the plain HTTP listener. Default '127.0.0.1' (the Dockerfile sets 0.0.0.0). */
  host?: string
  /** Port of the plain HTTP listener; 0 picks a free one. Default 8080. */
  port?: number
  /** Interface of the HTTPS listener. Default: `host`. */
  httpsHost?: string | undefined
  /** Port of the HTTPS listener, used only when `tls` is set. Default 8443. */
  httpsPort?: number
  /** Certificate and key (PEM). When set the LB also listens with TLS. Default: none. */
  tls?: TlsMaterial | undefined
  /** Interface of the admin server. Default '127.0.0.1': the admin port is loopback-only. */
  adminHost?: string
  /** Port of the admin server (status page, metrics). Default 8081. */
  adminPort?: number
  /** The backends. Required, at least one. */
  backends: readonly BackendSpec[]
  /** How often backend host names are resolved again, in ms. Default 10000. */
  resolveIntervalMs?: number
  /** Path of the active health check. Default '/healthz'. */
  healthPath?: string
  /** Time between two active checks of an upstream, in ms. Default 1000. */
  healthIntervalMs?: number
  /** How long one active check may take, in ms. Default 1000. */
  healthTimeoutMs?: number
  /** Passing checks in a row that bring an upstream back. Default 2. */
  healthyThreshold?: number
  /** Failing checks in a row that take an upstream out. Default 2. */
  unhealthyThreshold?: number
  /** How long a connect failure keeps an upstream out, in ms. Default 10000. */
  ejectionTimeMs?: number
  /** Attempts per request, the first included. Default 3. */
  maxAttempts?: number
  /** Bodies up to this size are held in memory so they can be re-sent, in bytes. Default 1048576 (1 MiB). */
  bodyBufferLimitBytes?: number
  /**
   * Bodies above this size are refused with 413 by the LB, before anything
   * is forwarded (nginx's client_max_body_size), in bytes. Default 1048576
   * (1 MiB), the web nodes' own limit: a larger body would only reach a node
   * to be refused there, after costing the upload.
   */
  maxBodyBytes?: number
  /**
   * How much of a body the LB refuses, or that a node answered without
   * reading, is read and dropped so the client's keep-alive connection can
   * carry its next request, in bytes. A request that declares more gets its
   * answer with `Connection: close`. Default 10485760 (10 MiB).
   */
  bodyDiscardLimitBytes?: number
  /**
   * How long opening a connection to an upstream may take, in ms. Default 500.
   * A connect timeout means nothing was sent: the request is retried on
   * another node whatever its method.
   */
  connectTimeoutMs?: number
  /** How long an upstream connection may stay silent during a request, in ms (http-proxy's proxyTimeout). Default 30000. */
  proxyTimeoutMs?: number
  /** How long a client may take to send its request headers, in ms (slowloris). Default 10000. */
  headersTimeoutMs?: number
  /** How long a client may take to send its whole request, in ms. Default 30000. */
  requestTimeoutMs?: number
  /** How long an idle client connection is kept open, in ms. Default 5000. */
  keepAliveTimeoutMs?: number
  /** How often the server looks for requests past their headers/request timeout, in ms. Default 1000. */
  connectionsCheckingIntervalMs?: number
  /** Most sockets open to one upstream. Default 256. */
  agentMaxSockets?: number
  /** Most idle sockets kept per upstream. Default 64. */
  agentMaxFreeSockets?: number
  /** How long an idle upstream socket is kept, in ms. Default 60000; must stay below the web nodes' keepAliveTimeout (72 s). */
  agentFreeSocketTimeoutMs?: number
  /** How long shutdown waits for in-flight requests before cutting connections, in ms. Default 10000. */
  shutdownTimeoutMs?: number
  /**
   * How often the status page's history takes a sample (each upstream's
   * requests per second, errors, retries, p99 and state over the interval),
   * in ms; status.json reports it as `history.intervalMs`. Default 1000.
   * 0 takes no sample on a timer: the owner calls `sampleTraffic()` itself,
   * as tests do to decide what each sample holds.
   */
  historyIntervalMs?: number
  /**
   * Source address of connections to the web nodes. Default '' (the system's
   * choice). On a shared loopback, `127.0.0.2` lets the nodes trust
   * X-Forwarded-* from the LB's address alone, not from every local client.
   */
  upstreamLocalAddress?: string
  /**
   * One info line per request (method, url, status, upstream, attempts,
   * duration). Default false: on /hello it cost about 25 us of CPU per request
   * (a JSON line and a write), a sixth of the LB's whole cost. Failed
   * attempts, errors and health changes are logged either way.
   */
  accessLog?: boolean
  /**
   * Processes that proxy, each a `node:cluster` worker on the same listening
   * port(s). Default 1: one process, no cluster. Above 1 the primary process
   * resolves the backends, runs the health checks and serves the admin port
   * for the whole LB, and the workers only proxy. The image sets
   * `LB_WORKERS=auto`, the machine's available cores.
   */
  workers?: number
  /**
   * Most WebSocket connections (upgraded sockets) one LB process holds open.
   * An upgrade over it is refused with a coded 503 before any node sees it.
   * Default 20000. With workers, each worker holds up to this many.
   */
  maxUpgradedSockets?: number
  /** An upgraded connection with no byte either way for this long is closed (1001), in ms. Default 120000. */
  upgradeIdleTimeoutMs?: number
  /**
   * How long closing an upgraded connection (shutdown, idle timeout) waits for
   * a frame boundary in each direction and for both peers to close, before
   * the sockets are destroyed, in ms. Default 1000. Shutdown takes up to
   * `shutdownTimeoutMs` plus this.
   */
  upgradeCloseTimeoutMs?: number
}

export type ResolvedLbOptions = Readonly<Required<Omit<LbOptions, 'tls' | 'httpsHost'>> & {
  httpsHost: string
  tls: TlsMaterial | undefined
}>

type Defaults = Omit<ResolvedLbOptions, 'backends' | 'httpsHost' | 'tls'>

// The one place the defaults are written down; the schema takes them from
// here and the README repeats them.
export const lbDefaults: Defaults = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  httpsPort: 8443,
  adminHost: '127.0.0.1',
  adminPort: 8081,
  resolveIntervalMs: 10_000,
  healthPath: '/healthz',
  healthIntervalMs: 1_000,
  healthTimeoutMs: 1_000,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  ejectionTimeMs: 10_000,
  maxAttempts: 3,
  bodyBufferLimitBytes: 1024 * 1024,
  maxBodyBytes: 1024 * 1024,
  bodyDiscardLimitBytes: 10 * 1024 * 1024,
  // A connect on loopback or a LAN takes well under a millisecond. One that
  // has not completed in 500 ms is to a silent address (a SIGKILLed
  // container: SYNs unanswered) or has lost its SYN, whose retransmission
  // only comes after 1 s; either way another node answers sooner, and a
  // request meets at most half a second of a dead node.
  connectTimeoutMs: 500,
  proxyTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionsCheckingIntervalMs: 1_000,
  agentMaxSockets: 256,
  agentMaxFreeSockets: 64,
  // The web nodes keep idle connections for 72 s. An LB socket idle longer
  // than that may be closed by the node at the moment the LB reuses it; the
  // request then fails with ECONNRESET. Closing ours first avoids the race.
  agentFreeSocketTimeoutMs: 60_000,
  shutdownTimeoutMs: 10_000,
  historyIntervalMs: 1_000,
  upstreamLocalAddress: '',
  accessLog: false,
  workers: 1,
  maxUpgradedSockets: 20_000,
  // Longer than any ping interval a client would use (the page pings every 30 s at most).
  upgradeIdleTimeoutMs: 120_000,
  upgradeCloseTimeoutMs: 1_000
})

const d = lbDefaults
const host = (fallback?: string): TString => Type.String({ minLength: 1, default: fallback, expected: 'expected a host name or address' })
const ms1h = 3_600_000

// The options as a TypeBox schema (see @stickless/balancer's option-schema.ts):
// each range once, beside its default. The rules after it join two options.
const LbOptionsSchema = Type.Object({
  host: host(d.host),
  port: integer(0, 65_535, d.port),
  httpsHost: Type.Optional(host()), // default: host
  httpsPort: integer(0, 65_535, d.httpsPort),
  tls: Type.Optional(Type.Unknown()), // checked below, so that a key never reaches an error message
  adminHost: host(d.adminHost),
  adminPort: integer(0, 65_535, d.adminPort),
  backends: Type.Array(Type.Unknown(), { minItems: 1, expected: 'expected at least one backend' }),
  resolveIntervalMs: integer(100, 86_400_000, d.resolveIntervalMs),
  healthPath: Type.String({ pattern: '^/', default: d.healthPath, expected: 'expected a path starting with /' }),
  healthIntervalMs: integer(10, ms1h, d.healthIntervalMs),
  healthTimeoutMs: integer(10, 600_000, d.healthTimeoutMs),
  healthyThreshold: integer(1, 100, d.healthyThreshold),
  unhealthyThreshold: integer(1, 100, d.unhealthyThreshold),
  ejectionTimeMs: integer(0, ms1h, d.ejectionTimeMs),
  maxAttempts: integer(1, 20, d.maxAttempts),
  bodyBufferLimitBytes: integer(0, 1024 * 1024 * 1024, d.bodyBufferLimitBytes),
  maxBodyBytes: integer(0, Number.MAX_SAFE_INTEGER, d.maxBodyBytes),
  bodyDiscardLimitBytes: integer(0, Number.MAX_SAFE_INTEGER, d.bodyDiscardLimitBytes),
  connectTimeoutMs: integer(1, 600_000, d.connectTimeoutMs),
  proxyTimeoutMs: integer(1, ms1h, d.proxyTimeoutMs),
  headersTimeoutMs: integer(1, ms1h, d.headersTimeoutMs),
  requestTimeoutMs: integer(1, ms1h, d.requestTimeoutMs),
  keepAliveTimeoutMs: integer(0, ms1h, d.keepAliveTimeoutMs),
  connectionsCheckingIntervalMs: integer(10, ms1h, d.connectionsCheckingIntervalMs),
  agentMaxSockets: integer(1, 100_000, d.agentMaxSockets),
  agentMaxFreeSockets: integer(0, 100_000, d.agentMaxFreeSockets),
  agentFreeSocketTimeoutMs: integer(1, ms1h, d.agentFreeSocketTimeoutMs),
  shutdownTimeoutMs: integer(0, ms1h, d.shutdownTimeoutMs),
  historyIntervalMs: integer(0, ms1h, d.historyIntervalMs), // 0, or at least 10: checked below
  upstreamLocalAddress: Type.String({ default: d.upstreamLocalAddress }), // an IP address or '': checked below
  accessLog: Type.Boolean({ default: d.accessLog, expected: 'expected true or false' }),
  workers: integer(1, 256, d.workers),
  maxUpgradedSockets: integer(0, 1_000_000, d.maxUpgradedSockets),
  upgradeIdleTimeoutMs: integer(10, 86_400_000, d.upgradeIdleTimeoutMs),
  upgradeCloseTimeoutMs: integer(0, 60_000, d.upgradeCloseTimeoutMs)
}, { additionalProperties: false })

/** Applies the defaults, checks every option once and freezes the result. */
export function resolveLbOptions (options: LbOptions): ResolvedLbOptions {
  const Invalid = errorCodes.STK_ERR_LB_INVALID_OPTION
  const merged = resolveWithSchema<LbOptions & Defaults>(LbOptionsSchema, options, Invalid)
  if (merged.upstreamLocalAddress !== '' && isIP(merged.upstreamLocalAddress) === 0) {
    throw new Invalid('upstreamLocalAddress', 'expected an IP address, or empty for the system\'s choice', merged.upstreamLocalAddress)
  }
  if (merged.headersTimeoutMs > merged.requestTimeoutMs) {
    // Node refuses a request timeout shorter than the headers timeout.
    throw new Invalid('headersTimeoutMs', `must not exceed requestTimeoutMs (${merged.requestTimeoutMs})`, merged.headersTimeoutMs)
  }
  if (merged.historyIntervalMs > 0 && merged.historyIntervalMs < 10) {
    throw new Invalid('historyIntervalMs', 'expected 0 (no sampling on a timer) or at least 10', merged.historyIntervalMs)
  }
  if (merged.bodyBufferLimitBytes > merged.maxBodyBytes) {
    throw new Invalid('bodyBufferLimitBytes', `must not exceed maxBodyBytes (${merged.maxBodyBytes})`, merged.bodyBufferLimitBytes)
  }
  const tls = merged.tls
  if (tls !== undefined && (tls === null || typeof tls !== 'object' || !isPem(tls.cert) || !isPem(tls.key))) {
    throw new Invalid('tls', 'expected { cert, key } as PEM strings or Buffers', tls === null ? null : '(redacted)')
  }
  // Fails at start with STK_ERR_LB_INVALID_BACKEND rather than at the first resolution.
  for (const backend of merged.backends) toBackendTarget(backend)
  return Object.freeze({
    ...merged,
    httpsHost: merged.httpsHost ?? merged.host,
    tls: tls === undefined ? undefined : Object.freeze({ cert: tls.cert, key: tls.key }),
    backends: Object.freeze(merged.backends.map((backend) => Object.freeze({ ...backend })))
  })
}

function isPem (value: unknown): boolean {
  return (typeof value === 'string' && value.length > 0) || (Buffer.isBuffer(value) && value.length > 0)
}
