import { requiredAcks, type WriteConcern } from '../policy/write-concern.js'
import { MAX_RELATIVE_TTL_S } from '../record/session-record.js'
import type { ConnectionOptions } from 'node:tls'
import { Type, type TSchema } from '@sinclair/typebox'
import { check, expectedOf, invalid } from './option-schema.js'
import type { ChannelFactory } from '../connection/command-channel.js'
import { parseServerString, type ServerSpec } from './server-string.js'
import { resolveAuth, resolveTls, type AuthSettings, type TlsSettings } from './tls-options.js'

/** What a caller may leave to the store's judgment when logging. */
export interface StoreLogger {
  debug?(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export { MAX_RELATIVE_TTL_S, requiredAcks, type WriteConcern }

export interface MemcachedStoreOptions {
  /** The seed's string (`tcp://h:p?weight=1&timeout=1&retry_interval=15,...`) or a list of specs / `host:port` strings. */
  servers: string | ReadonlyArray<string | ServerSpec>
  /**
   * The pool before a change of `servers`, while the change rolls through the web nodes: writes
   * go to a key's replicas in both pools, reads take the newest copy of both, and `rebalance()`
   * copies every session to its replicas in the new pool. Drop it once no node runs the old pool
   * alone and a rebalance has finished (docs/store-design.md, "Changing the pool"). Default none.
   */
  previousServers?: string | ReadonlyArray<string | ServerSpec>
  /** Copies of each session. Default 2, or every server when there are fewer. */
  replicas?: number
  /**
   * Acknowledgements a write needs. `available` (default): the write goes to every replica not
   * marked down and succeeds when one acknowledges; a replica that fails is marked down, and is
   * refilled before it serves reads again, so it cannot answer with the older value.
   * A number, `majority` or `all` count the whole replica set, up or not.
   */
  writeConcern?: WriteConcern
  /** Prefix of every key, so several apps can share memcached. Default `stk:`. */
  keyPrefix?: string
  /** Idle lifetime when the session cookie carries no maxAge. Default 30 min. */
  idleTimeoutMs?: number
  /** Hard lifetime from creation, whatever the activity. Default 12 h. */
  absoluteTimeoutMs?: number
  /** An access extends the TTL with `touch` once this long has passed since the last one. Default idleTimeoutMs / 10. */
  touchAfterMs?: number
  /** Share of hits that also read the other replicas to repair older copies. Default 0.05. Misses are always repaired. */
  readRepairChance?: number
  /**
   * A read whose replica has been silent (no reply to anything since the read was sent) for this
   * fraction of the replica's timeout also asks the next replica, and takes its answer: a frozen
   * server then costs a read half its timeout, not all of it plus the failover. 0 turns it off.
   * Default 0.5.
   */
  readHedgeFraction?: number
  /** Largest encoded value; memcached's default item size is 1 MiB. Default 1 MiB minus 1 KiB of item overhead. */
  maxValueBytes?: number
  /** AES-256-GCM keys (strings of 32+ characters). The first encrypts, all decrypt: rotation by prepending. */
  encryptionKeys?: readonly string[]
  /** Session field that names the user, for the per-user index. Default `user`. */
  userField?: string
  /** Sessions remembered per user in the index. Default 100. */
  maxSessionsPerUser?: number
  /** cas retries before a write gives up under contention. Default 8. */
  conflictRetries?: number
  /** How often down servers are probed and up servers are checked for a restart. Default 1 s. */
  probeIntervalMs?: number
  /** Keys copied per multi-get during a refill. Default 100. */
  refillBatchSize?: number
  /** Batches in flight during a refill. Default 4. */
  refillConcurrency?: number
  /** Default per-server command timeout. Default 300 ms. */
  timeoutMs?: number
  /** Default per-server connect timeout. Default: timeoutMs. */
  connectTimeoutMs?: number
  /** Default time a failed server is skipped. Default 15 s (PHP's retry_interval default). */
  retryIntervalMs?: number
  /** Name of a string field that, in a session handed to `set`, names the revision it was read at (older versions added it). Default `_rev`. */
  revisionField?: string
  logger?: StoreLogger
  /** For tests: an injected clock, in milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number
  /** For tests: uniform draws in [0, 1) (conflict pauses, sampled read-repair). Default `Math.random`. */
  random?: () => number
  /**
   * For tests and the deterministic simulation: how commands reach a server (command-channel.ts).
   * Default: memcache-client over TCP, or TLS.
   */
  channel?: ChannelFactory
  /** TLS to every server (a server's own `tls` overrides it): true, or { ca, cert, key, servername, rejectUnauthorized }. Default off. */
  tls?: boolean | TlsSettings
  /** memcached ASCII authentication (`-Y`) on every server (a server's own credentials override them). Default none. */
  username?: string
  password?: string
  /**
   * OpenTelemetry spans (a CLIENT span per replica command, INTERNAL spans for refill, rebalance
   * and merge) through @opentelemetry/api, when the app has registered an SDK. Default true.
   */
  tracing?: boolean
}

export interface ResolvedServer {
  readonly id: string
  readonly host: string
  readonly port: number
  readonly weight: number
  readonly timeoutMs: number
  readonly connectTimeoutMs: number
  readonly retryIntervalMs: number
  /** node:tls options, or undefined for plain TCP */
  readonly tls?: Readonly<ConnectionOptions> | undefined
  /** credentials for memcached's ASCII authentication, or undefined */
  readonly auth?: Readonly<AuthSettings> | undefined
}

export interface ResolvedOptions {
  readonly servers: readonly ResolvedServer[]
  /** the pool before a change, empty when there is none */
  readonly previousServers: readonly ResolvedServer[]
  readonly replicas: number
  readonly writeConcern: WriteConcern
  readonly keyPrefix: string
  readonly idleTimeoutMs: number
  readonly absoluteTimeoutMs: number
  readonly touchAfterMs: number
  readonly readRepairChance: number
  readonly readHedgeFraction: number
  readonly maxValueBytes: number
  readonly encryptionKeys: readonly string[]
  readonly userField: string
  readonly maxSessionsPerUser: number
  readonly conflictRetries: number
  readonly probeIntervalMs: number
  readonly refillBatchSize: number
  readonly refillConcurrency: number
  readonly revisionField: string
  readonly logger: StoreLogger | undefined
  readonly clock: () => number
  readonly random: () => number
  readonly channel: ChannelFactory | undefined
  readonly tracing: boolean
}

/** Every default, once: the schema below takes its defaults from here, and the README repeats this table. */
export const DEFAULTS = Object.freeze({
  replicas: 2,
  writeConcern: 'available',
  keyPrefix: 'stk:',
  idleTimeoutMs: 30 * 60 * 1000, // 30 min
  absoluteTimeoutMs: 12 * 60 * 60 * 1000, // 12 h
  readRepairChance: 0.05,
  readHedgeFraction: 0.5,
  maxValueBytes: 1024 * 1024 - 1024, // memcached's 1 MiB item less its header
  userField: 'user',
  maxSessionsPerUser: 100,
  conflictRetries: 8,
  probeIntervalMs: 1000, // 1 s
  refillBatchSize: 100,
  refillConcurrency: 4,
  timeoutMs: 300, // well under a second: a frozen server holds a request this long at most
  retryIntervalMs: 15 * 1000, // 15 s, PHP's retry_interval default
  weight: 1,
  port: 11211,
  revisionField: '_rev',
  clock: Date.now,
  random: Math.random,
  tracing: true
})

// The options as a TypeBox schema (see option-schema.ts for why TypeBox, and for the
// `expected` and `secret` keywords). Rules that join two options (replicas and servers, writeConcern and replicas, the two
// lifetimes) follow the schema in resolveOptions.
const int = (minimum: number, maximum: number, fallback?: number): TSchema =>
  Type.Integer({ minimum, maximum, default: fallback, expected: `an integer from ${minimum} to ${maximum}` })
const MAX_INT = Number.MAX_SAFE_INTEGER
const ms60s = 60_000

const ServerSchema = Type.Object({
  host: Type.String({ pattern: '^[^\\s/?#]+$', expected: 'a host name or address' }),
  port: int(1, 65535, DEFAULTS.port),
  weight: Type.Number({ exclusiveMinimum: 0, default: DEFAULTS.weight, expected: 'a positive number' }),
  timeoutMs: Type.Optional(int(1, ms60s)),
  connectTimeoutMs: Type.Optional(int(1, ms60s)),
  retryIntervalMs: Type.Optional(int(0, MAX_INT))
}, { expected: 'a "host:port" string or { host, port }' })

const OptionsSchema = Type.Object({
  servers: Type.Union([Type.String(), Type.Array(Type.Unknown(), { minItems: 1 })], { expected: 'a server string or a non-empty list' }),
  previousServers: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Unknown())], { expected: 'a server string or a list' })),
  replicas: int(1, 16, DEFAULTS.replicas),
  writeConcern: Type.Union([Type.Literal('available'), Type.Literal('majority'), Type.Literal('all'), Type.Integer({ minimum: 1 })], {
    default: DEFAULTS.writeConcern,
    expected: "'available', 'majority', 'all' or an integer from 1 to replicas"
  }),
  keyPrefix: Type.String({ pattern: '^[\\x21-\\x7e]{0,64}$', default: DEFAULTS.keyPrefix, expected: 'up to 64 printable characters without spaces' }),
  idleTimeoutMs: int(1, MAX_RELATIVE_TTL_S * 1000, DEFAULTS.idleTimeoutMs),
  absoluteTimeoutMs: int(1, MAX_INT, DEFAULTS.absoluteTimeoutMs),
  touchAfterMs: Type.Optional(int(0, MAX_INT)), // default: a tenth of idleTimeoutMs
  readRepairChance: Type.Number({ minimum: 0, maximum: 1, default: DEFAULTS.readRepairChance, expected: 'a number from 0 to 1' }),
  readHedgeFraction: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: DEFAULTS.readHedgeFraction, expected: 'a number from 0 (off) to below 1' }),
  maxValueBytes: int(1, 1024 * 1024 * 1024, DEFAULTS.maxValueBytes),
  encryptionKeys: Type.Array(Type.String({ minLength: 32 }), { default: [], secret: true, expected: 'a list of strings of 32 or more characters' }),
  userField: Type.String({ minLength: 1, default: DEFAULTS.userField, expected: 'a non-empty string' }),
  maxSessionsPerUser: int(1, 10_000, DEFAULTS.maxSessionsPerUser),
  // 0: a write that loses the race fails at once (the caller retries, or tells the user)
  conflictRetries: int(0, 100, DEFAULTS.conflictRetries),
  probeIntervalMs: int(1, ms60s, DEFAULTS.probeIntervalMs),
  refillBatchSize: int(1, 1000, DEFAULTS.refillBatchSize),
  refillConcurrency: int(1, 64, DEFAULTS.refillConcurrency),
  timeoutMs: int(1, ms60s, DEFAULTS.timeoutMs),
  connectTimeoutMs: Type.Optional(int(1, ms60s)), // default: timeoutMs
  retryIntervalMs: int(0, MAX_INT, DEFAULTS.retryIntervalMs),
  revisionField: Type.String({ pattern: '^(?!cookie$).+$', default: DEFAULTS.revisionField, expected: 'a non-empty string other than "cookie"' }),
  // Its methods are checked after the schema: Value.Default would write into a logger it descends into.
  logger: Type.Optional(Type.Unknown()),
  // TypeBox calls a function default to make the value, so the default returns the clock.
  clock: Type.Function([], Type.Number(), { default: () => DEFAULTS.clock, expected: 'a function returning milliseconds since the epoch' }),
  random: Type.Function([], Type.Number(), { default: () => DEFAULTS.random, expected: 'a function returning a number in [0, 1)' }),
  channel: Type.Optional(Type.Function([Type.Unknown()], Type.Unknown(), { expected: 'a function from a resolved server to a command channel' })),
  // checked by resolveTls and resolveAuth, which also read PEM files
  tls: Type.Optional(Type.Unknown()),
  username: Type.Optional(Type.Unknown()),
  password: Type.Optional(Type.Unknown()),
  tracing: Type.Boolean({ default: DEFAULTS.tracing, expected: 'true or false' })
}, { additionalProperties: false })

type CheckedServer = ServerSpec & { weight: number }

function resolveServer (raw: string | ServerSpec, name: string, defaults: Omit<ResolvedServer, 'id' | 'host' | 'port' | 'weight'>): ResolvedServer {
  const given = typeof raw === 'string' ? parseServerString(raw)[0] : raw
  if (given === null || typeof given !== 'object') invalid(name, raw, expectedOf(ServerSchema))
  const spec = check<CheckedServer>(ServerSchema, given, `${name}.`)
  const hostForId = spec.host.includes(':') ? `[${spec.host}]` : spec.host
  const tls = spec.tls === undefined ? defaults.tls : resolveTls(spec.tls, `${name}.tls`)
  const auth = spec.username === undefined && spec.password === undefined ? defaults.auth : resolveAuth(spec.username, spec.password, `${name}.`)
  return Object.freeze({
    id: `${hostForId}:${spec.port}`,
    host: spec.host,
    port: spec.port,
    weight: spec.weight,
    timeoutMs: spec.timeoutMs ?? defaults.timeoutMs,
    connectTimeoutMs: spec.connectTimeoutMs ?? spec.timeoutMs ?? defaults.connectTimeoutMs,
    retryIntervalMs: spec.retryIntervalMs ?? defaults.retryIntervalMs,
    tls: tls === undefined ? undefined : Object.freeze(tls),
    auth: auth === undefined ? undefined : Object.freeze(auth)
  })
}

type CheckedOptions = Omit<ResolvedOptions, 'servers' | 'previousServers'> & Pick<MemcachedStoreOptions, 'servers' | 'previousServers' | 'touchAfterMs' | 'connectTimeoutMs' | 'tls' | 'username' | 'password'> & { timeoutMs: number, retryIntervalMs: number }

/** Validates once at start and freezes; a bad option fails with STK_ERR_INVALID_OPTION naming it and its value. */
export function resolveOptions (input: MemcachedStoreOptions | string): ResolvedOptions {
  const given: MemcachedStoreOptions = typeof input === 'string' ? { servers: input } : input
  if (given === null || typeof given !== 'object') invalid('options', given, 'an object or a server string')
  const opts = check<CheckedOptions>(OptionsSchema, given, '')
  const rawServers = typeof opts.servers === 'string' ? parseServerString(opts.servers) : opts.servers
  if (rawServers.length === 0) invalid('servers', opts.servers, expectedOf(OptionsSchema.properties.servers))
  const security = { tls: resolveTls(opts.tls, 'tls'), auth: resolveAuth(opts.username, opts.password, '') }
  const defaults = { timeoutMs: opts.timeoutMs, connectTimeoutMs: opts.connectTimeoutMs ?? opts.timeoutMs, retryIntervalMs: opts.retryIntervalMs, ...security }
  const servers = resolvePool('servers', rawServers, defaults)
  const previousServers = opts.previousServers === undefined
    ? []
    : resolvePool('previousServers', typeof opts.previousServers === 'string' ? parseServerString(opts.previousServers) : opts.previousServers, defaults)
  const replicas = Math.min(opts.replicas, servers.length)
  if (typeof opts.writeConcern === 'number' && opts.writeConcern > replicas) {
    invalid('writeConcern', opts.writeConcern, `'available', 'majority', 'all' or an integer from 1 to replicas (${replicas})`)
  }
  const logger = given.logger
  if (logger !== undefined && !(['info', 'warn', 'error'] as const).every((method) => typeof logger?.[method] === 'function')) {
    invalid('logger', '<object>', 'an object with info, warn and error methods (pino works)')
  }
  if (opts.absoluteTimeoutMs < opts.idleTimeoutMs) invalid('absoluteTimeoutMs', opts.absoluteTimeoutMs, `at least idleTimeoutMs (${opts.idleTimeoutMs})`)
  return Object.freeze({
    servers: Object.freeze(servers),
    previousServers: Object.freeze(previousServers),
    replicas,
    writeConcern: opts.writeConcern,
    keyPrefix: opts.keyPrefix,
    idleTimeoutMs: opts.idleTimeoutMs,
    absoluteTimeoutMs: opts.absoluteTimeoutMs,
    touchAfterMs: opts.touchAfterMs ?? Math.floor(opts.idleTimeoutMs / 10),
    readRepairChance: opts.readRepairChance,
    readHedgeFraction: opts.readHedgeFraction,
    maxValueBytes: opts.maxValueBytes,
    encryptionKeys: Object.freeze([...opts.encryptionKeys]),
    userField: opts.userField,
    maxSessionsPerUser: opts.maxSessionsPerUser,
    conflictRetries: opts.conflictRetries,
    probeIntervalMs: opts.probeIntervalMs,
    refillBatchSize: opts.refillBatchSize,
    refillConcurrency: opts.refillConcurrency,
    revisionField: opts.revisionField,
    logger,
    clock: opts.clock,
    random: opts.random,
    channel: opts.channel,
    tracing: opts.tracing
  })
}

/** A list of servers, each resolved (its own settings over the defaults), without duplicates. */
function resolvePool (name: string, raw: ReadonlyArray<string | ServerSpec>, defaults: Omit<ResolvedServer, 'id' | 'host' | 'port' | 'weight'>): ResolvedServer[] {
  const servers = raw.map((s, i) => resolveServer(s, `${name}[${i}]`, defaults))
  const ids = new Set<string>()
  for (const s of servers) {
    if (ids.has(s.id)) invalid(name, s.id, 'a list without duplicates')
    ids.add(s.id)
  }
  return servers
}
