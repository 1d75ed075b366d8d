import { storeError } from './errors.js'
import { parseServerString, type ServerSpec } from './server-string.js'
import type { ConnectionOptions } from 'node:tls'
import { resolveAuth, resolveTls, type AuthSettings, type TlsSettings } from './tls-options.js'

/** What a caller may leave to the store's judgment when logging. */
export interface StoreLogger {
  debug?(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

export type WriteConcern = number | 'all' | 'majority' | 'available'

export interface MemcachedStoreOptions {
  /** The seed's string (`tcp://h:p?weight=1&timeout=1&retry_interval=15,...`) or a list of specs / `host:port` strings. */
  servers: string | ReadonlyArray<string | ServerSpec>
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
  /** For tests: an injected clock, ms since the epoch. Default `Date.now`. */
  clock?: () => number
  /** Default per-server command timeout. Default 300 ms. */
  timeoutMs?: number
  /** Default per-server connect timeout. Default: timeoutMs. */
  connectTimeoutMs?: number
  /** Default time a failed server is skipped. Default 15 s (PHP's retry_interval default). */
  retryIntervalMs?: number
  /** Name of a string field that, in a session handed to `set`, names the revision it was read at (older versions added it). Default `_rev`. */
  revisionField?: string
  logger?: StoreLogger
  /** TLS to every server (a server's own `tls` overrides it): true, or { ca, cert, key, servername, rejectUnauthorized }. Default off. */
  tls?: boolean | TlsSettings
  /** memcached ASCII authentication (`-Y`) on every server (a server's own credentials override them). Default none. */
  username?: string
  password?: string
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
}

/** Every default, once. The README repeats this table. */
export const DEFAULTS = Object.freeze({
  replicas: 2,
  writeConcern: 'available' as WriteConcern,
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
  revisionField: '_rev'
})

// memcached reads an exptime over 30 days as a Unix time, so a relative TTL must stay below it.
export const MAX_RELATIVE_TTL_S = 30 * 24 * 60 * 60

function invalid (name: string, value: unknown, expected: string): never {
  throw storeError('STK_ERR_INVALID_OPTION', `${name} must be ${expected}, got ${safeShow(value)}`)
}

function safeShow (value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

function positiveInt (name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
    invalid(name, value, `an integer from 1 to ${max}`)
  }
  return value
}

const KNOWN_OPTIONS = new Set<string>([
  'servers', 'replicas', 'writeConcern', 'keyPrefix', 'idleTimeoutMs', 'absoluteTimeoutMs', 'touchAfterMs',
  'clock', 'readRepairChance', 'readHedgeFraction', 'maxValueBytes', 'encryptionKeys', 'userField', 'maxSessionsPerUser', 'conflictRetries',
  'probeIntervalMs', 'refillBatchSize', 'refillConcurrency', 'timeoutMs', 'connectTimeoutMs', 'retryIntervalMs',
  'revisionField', 'logger', 'tls', 'username', 'password'
])

interface ServerDefaults {
  timeoutMs: number
  connectTimeoutMs: number
  retryIntervalMs: number
  tls: ConnectionOptions | undefined
  auth: AuthSettings | undefined
}

function resolveServer (raw: string | ServerSpec, index: number, defaults: ServerDefaults): ResolvedServer {
  const spec = typeof raw === 'string' ? parseServerString(raw)[0] : raw
  const name = `servers[${index}]`
  if (spec === undefined || typeof spec !== 'object') invalid(name, raw, 'a "host:port" string or { host, port }')
  if (typeof spec.host !== 'string' || spec.host === '' || /[\s/?#]/.test(spec.host)) invalid(`${name}.host`, spec.host, 'a host name or address')
  const port = positiveInt(`${name}.port`, spec.port, 11211, 65535)
  const weight = spec.weight ?? DEFAULTS.weight
  if (typeof weight !== 'number' || !(weight > 0) || !Number.isFinite(weight)) invalid(`${name}.weight`, weight, 'a positive number')
  const timeoutMs = positiveInt(`${name}.timeoutMs`, spec.timeoutMs, defaults.timeoutMs, 60_000)
  const connectTimeoutMs = positiveInt(`${name}.connectTimeoutMs`, spec.connectTimeoutMs, spec.timeoutMs ?? defaults.connectTimeoutMs, 60_000)
  const retryIntervalMs = spec.retryIntervalMs === 0 ? 0 : positiveInt(`${name}.retryIntervalMs`, spec.retryIntervalMs, defaults.retryIntervalMs)
  const hostForId = spec.host.includes(':') ? `[${spec.host}]` : spec.host
  const tls = spec.tls === undefined ? defaults.tls : resolveTls(spec.tls, `${name}.tls`)
  const auth = spec.username === undefined && spec.password === undefined ? defaults.auth : resolveAuth(spec.username, spec.password, `${name}.`)
  return Object.freeze({ id: `${hostForId}:${port}`, host: spec.host, port, weight, timeoutMs, connectTimeoutMs, retryIntervalMs, tls: tls === undefined ? undefined : Object.freeze(tls), auth: auth === undefined ? undefined : Object.freeze(auth) })
}

/** Validates once at start and freezes; a bad option fails with STK_ERR_INVALID_OPTION naming it and its value. */
export function resolveOptions (input: MemcachedStoreOptions | string): ResolvedOptions {
  const opts: MemcachedStoreOptions = typeof input === 'string' ? { servers: input } : input
  if (opts === null || typeof opts !== 'object') invalid('options', opts, 'an object or a server string')
  for (const key of Object.keys(opts)) {
    if (!KNOWN_OPTIONS.has(key)) invalid(key, (opts as unknown as Record<string, unknown>)[key], `a known option (${[...KNOWN_OPTIONS].join(', ')})`)
  }
  const timeoutMs = positiveInt('timeoutMs', opts.timeoutMs, DEFAULTS.timeoutMs, 60_000)
  const connectTimeoutMs = positiveInt('connectTimeoutMs', opts.connectTimeoutMs, timeoutMs, 60_000)
  const retryIntervalMs = opts.retryIntervalMs === 0 ? 0 : positiveInt('retryIntervalMs', opts.retryIntervalMs, DEFAULTS.retryIntervalMs)
  const rawServers = typeof opts.servers === 'string' ? parseServerString(opts.servers) : opts.servers
  if (!Array.isArray(rawServers) || rawServers.length === 0) invalid('servers', opts.servers, 'a server string or a non-empty list')
  const tls = resolveTls(opts.tls, 'tls')
  const auth = resolveAuth(opts.username, opts.password, '')
  const servers = rawServers.map((s, i) => resolveServer(s, i, { timeoutMs, connectTimeoutMs, retryIntervalMs, tls, auth }))
  const ids = new Set<string>()
  for (const s of servers) {
    if (ids.has(s.id)) invalid('servers', s.id, 'a list without duplicates')
    ids.add(s.id)
  }
  const replicas = Math.min(positiveInt('replicas', opts.replicas, DEFAULTS.replicas, 16), servers.length)
  const writeConcern = opts.writeConcern ?? DEFAULTS.writeConcern
  if (!(writeConcern === 'all' || writeConcern === 'majority' || writeConcern === 'available' ||
    (typeof writeConcern === 'number' && Number.isInteger(writeConcern) && writeConcern >= 1 && writeConcern <= replicas))) {
    invalid('writeConcern', writeConcern, `'available', 'majority', 'all' or an integer from 1 to replicas (${replicas})`)
  }
  const keyPrefix = opts.keyPrefix ?? DEFAULTS.keyPrefix
  if (typeof keyPrefix !== 'string' || !/^[\x21-\x7e]{0,64}$/.test(keyPrefix)) invalid('keyPrefix', keyPrefix, 'up to 64 printable characters without spaces')
  const idleTimeoutMs = positiveInt('idleTimeoutMs', opts.idleTimeoutMs, DEFAULTS.idleTimeoutMs, MAX_RELATIVE_TTL_S * 1000)
  const absoluteTimeoutMs = positiveInt('absoluteTimeoutMs', opts.absoluteTimeoutMs, DEFAULTS.absoluteTimeoutMs)
  if (absoluteTimeoutMs < idleTimeoutMs) invalid('absoluteTimeoutMs', absoluteTimeoutMs, `at least idleTimeoutMs (${idleTimeoutMs})`)
  const touchAfterMs = opts.touchAfterMs === 0 ? 0 : positiveInt('touchAfterMs', opts.touchAfterMs, Math.floor(idleTimeoutMs / 10))
  const readRepairChance = opts.readRepairChance ?? DEFAULTS.readRepairChance
  if (typeof readRepairChance !== 'number' || !(readRepairChance >= 0 && readRepairChance <= 1)) invalid('readRepairChance', readRepairChance, 'a number from 0 to 1')
  const readHedgeFraction = opts.readHedgeFraction ?? DEFAULTS.readHedgeFraction
  if (typeof readHedgeFraction !== 'number' || !(readHedgeFraction >= 0 && readHedgeFraction < 1)) invalid('readHedgeFraction', readHedgeFraction, 'a number from 0 (off) to below 1')
  const maxValueBytes = positiveInt('maxValueBytes', opts.maxValueBytes, DEFAULTS.maxValueBytes, 1024 * 1024 * 1024)
  const encryptionKeys = opts.encryptionKeys ?? []
  if (!Array.isArray(encryptionKeys) || encryptionKeys.some((k) => typeof k !== 'string' || k.length < 32)) {
    invalid('encryptionKeys', encryptionKeys.map?.((k: unknown) => typeof k === 'string' ? `<${k.length} chars>` : k), 'a list of strings of 32 or more characters')
  }
  const userField = opts.userField ?? DEFAULTS.userField
  if (typeof userField !== 'string' || userField === '') invalid('userField', userField, 'a non-empty string')
  const revisionField = opts.revisionField ?? DEFAULTS.revisionField
  if (typeof revisionField !== 'string' || revisionField === '' || revisionField === 'cookie') invalid('revisionField', revisionField, 'a non-empty string other than "cookie"')
  const logger = opts.logger
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger.warn !== 'function' || typeof logger.error !== 'function' || typeof logger.info !== 'function')) {
    invalid('logger', '<object>', 'an object with info, warn and error methods (pino works)')
  }
  const clock = opts.clock ?? Date.now
  if (typeof clock !== 'function') invalid('clock', clock, 'a function returning ms since the epoch')
  return Object.freeze({
    servers: Object.freeze(servers),
    replicas,
    writeConcern,
    keyPrefix,
    idleTimeoutMs,
    absoluteTimeoutMs,
    touchAfterMs,
    readRepairChance,
    readHedgeFraction,
    maxValueBytes,
    encryptionKeys: Object.freeze([...encryptionKeys]),
    userField,
    maxSessionsPerUser: positiveInt('maxSessionsPerUser', opts.maxSessionsPerUser, DEFAULTS.maxSessionsPerUser, 10_000),
    // 0: a write that loses the race fails at once (the caller retries, or tells the user)
    conflictRetries: opts.conflictRetries === 0 ? 0 : positiveInt('conflictRetries', opts.conflictRetries, DEFAULTS.conflictRetries, 100),
    probeIntervalMs: positiveInt('probeIntervalMs', opts.probeIntervalMs, DEFAULTS.probeIntervalMs, 60_000),
    refillBatchSize: positiveInt('refillBatchSize', opts.refillBatchSize, DEFAULTS.refillBatchSize, 1000),
    refillConcurrency: positiveInt('refillConcurrency', opts.refillConcurrency, DEFAULTS.refillConcurrency, 64),
    revisionField,
    logger,
    clock
  })
}

/** Acks a write needs, given the size of the replica set. */
export function requiredAcks (concern: WriteConcern, replicaCount: number): number {
  if (concern === 'all') return replicaCount
  if (concern === 'majority') return Math.floor(replicaCount / 2) + 1
  if (concern === 'available') return 1
  return Math.min(concern, replicaCount)
}
