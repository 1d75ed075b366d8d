// Options for one web node: defaults stated once, with units, validated once
// and frozen (see fastify's lib/initial-config-validation.js). A bad value fails
// at start with STK_ERR_WEB_INVALID_OPTION naming the option and what it got.
import os from 'node:os'
import { Type, type Static, type TInteger, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { WebError } from './errors.js'

export interface WebConfig {
  /** TCP port to listen on. Default 3000. */
  readonly port: number
  /** Address to listen on. Default 127.0.0.1. */
  readonly host: string
  /** Name shown in x-served-by and the dashboard. Default os.hostname(). */
  readonly nodeName: string
  /** memcached servers, in the seed string format. Default the two local servers. */
  readonly sessionServers: string
  /** The pool before a change of SESSION_SERVERS, while it rolls through the nodes (the store's previousServers); undefined otherwise. */
  readonly previousSessionServers: string | undefined
  /** Cookie signing secrets: the first signs, all verify (rotation). Each at least 32 characters. */
  readonly sessionSecrets: readonly string[]
  /** True when SESSION_SECRETS was unset and the public development secret is in use. */
  readonly usingDevSecret: boolean
  /** Optional keys the store encrypts session values with. */
  readonly encryptionKeys: readonly string[]
  /** A session untouched this long ends; it is also the cookie's Max-Age. Default 1800 s. */
  readonly idleTimeoutMs: number
  /** A session ends this long after sign-in, however active. Default 43200 s (12 h). */
  readonly absoluteTimeoutMs: number
  /** Addresses whose X-Forwarded-* headers are believed: the LB only. Default 127.0.0.1 and ::1. */
  readonly trustedProxies: readonly string[]
  /** The LB's status.json, read for the dashboard's cluster panel. Optional. */
  readonly lbStatusUrl: string | undefined
  /** pino level. Default info. */
  readonly logLevel: string
  /** One info line per request (ACCESS_LOG=on|off). Default off: the LB logs every request. */
  readonly accessLog: boolean
  /** How long a node keeps serving after SIGTERM while /healthz says 503. Default 3000 ms. */
  readonly shutdownDrainMs: number
  /** How often the node re-validates the sessions of its live sockets (one batched read). Default 1000 ms. */
  readonly liveCheckIntervalMs: number
  /** How often each live socket is pinged; one that missed the previous ping is cut. Default 30000 ms, well within the proxies' 120 s idle limit. */
  readonly livePingIntervalMs: number
  /** Messages a live socket may send per second, on average, before it is closed with 1008. Default 10. */
  readonly liveMessagesPerSecond: number
  /** Messages a live socket may send at once, above that rate. Default 20. */
  readonly liveMessageBurst: number
}

export const defaults = Object.freeze({
  port: 3000,
  host: '127.0.0.1',
  sessionServers: 'tcp://127.0.0.1:11211?weight=1&timeout=1&retry_interval=15,tcp://127.0.0.1:11212',
  idleTimeoutS: 1800, // 30 min
  absoluteTimeoutS: 43200, // 12 h
  trustedProxies: '127.0.0.1,::1',
  logLevel: 'info',
  accessLog: false, // the LB's access log covers every request; see README for the cost
  shutdownDrainMs: 3000, // the LB probes health about every second; three probes is plenty
  // the contract closes an ended session's sockets within 2 s: one tick plus one read
  liveCheckIntervalMs: 1000,
  livePingIntervalMs: 30_000,
  liveMessagesPerSecond: 10, // a page sends a ping now and then; ten a second is abuse
  liveMessageBurst: 20
})

// Public on purpose: it only exists so `npm start` works without setup, and
// main.ts warns loudly whenever it is used.
export const devSessionSecret = 'stickless-development-secret-do-not-use-in-production'

const MIN_SECRET_LENGTH = 32
/** What @stickless/memcached-store's encryptionKeys option admits (its options.ts). */
const MIN_ENCRYPTION_KEY_LENGTH = 32
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

// The environment as a TypeBox schema, the way the LB reads its own: one
// schema language in the repository, and no ajv (env-schema's engine). Each
// variable is first read into its type below (Number() for numbers, a list for
// a comma list); TypeBox's Value.Convert is not used, since it reads "1.5" as 1.
// `expected` is our own keyword: the words a failure uses.
const integer = (minimum: number, maximum: number, fallback: number): TInteger =>
  Type.Integer({ minimum, maximum, default: fallback, expected: `an integer from ${minimum} to ${maximum}` })

const EnvSchema = Type.Object({
  PORT: integer(0, 65535, defaults.port),
  HOST: Type.String({ default: defaults.host }),
  // It goes into a response header and CSS class names, so keep it plain.
  // TypeBox calls a function default to make the value.
  NODE_NAME: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', default: () => os.hostname(), expected: 'letters, digits, ".", "_" or "-", at most 64' }),
  SESSION_SERVERS: Type.String({ default: defaults.sessionServers }),
  SESSION_SERVERS_PREVIOUS: Type.Optional(Type.String()),
  // Never echo a secret, not even a short one: `secret` makes the error say only its length.
  SESSION_SECRETS: Type.Array(Type.String({ minLength: MIN_SECRET_LENGTH }), { default: [], secret: true, expected: `at least ${MIN_SECRET_LENGTH} characters each` }),
  // The store's rule for its encryptionKeys, checked here so that a short key fails at start
  // with this node's code and the variable's name, not later as a store error.
  SESSION_ENCRYPTION_KEYS: Type.Array(Type.String({ minLength: MIN_ENCRYPTION_KEY_LENGTH }), { default: [], secret: true, expected: `at least ${MIN_ENCRYPTION_KEY_LENGTH} characters each` }),
  SESSION_IDLE_TIMEOUT_S: integer(1, 30 * 24 * 3600, defaults.idleTimeoutS),
  SESSION_ABSOLUTE_TIMEOUT_S: integer(1, 365 * 24 * 3600, defaults.absoluteTimeoutS),
  TRUSTED_PROXIES: Type.Array(Type.String(), { default: list(defaults.trustedProxies) }),
  LB_STATUS_URL: Type.Optional(Type.String()), // an http(s) URL: checked below, since URL() decides
  LOG_LEVEL: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), { default: defaults.logLevel, expected: LOG_LEVELS.join(', ') }),
  ACCESS_LOG: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: defaults.accessLog ? 'on' : 'off', expected: 'on or off' }),
  SHUTDOWN_DRAIN_MS: integer(0, 120_000, defaults.shutdownDrainMs),
  LIVE_CHECK_INTERVAL_MS: integer(50, 60_000, defaults.liveCheckIntervalMs),
  LIVE_PING_INTERVAL_MS: integer(100, 600_000, defaults.livePingIntervalMs),
  LIVE_MESSAGES_PER_SECOND: integer(1, 10_000, defaults.liveMessagesPerSecond),
  LIVE_MESSAGE_BURST: integer(1, 10_000, defaults.liveMessageBurst)
})

type Env = Record<keyof typeof EnvSchema.properties, unknown>

function invalid (option: string, got: string, expected: string): WebError {
  return new WebError('STK_ERR_WEB_INVALID_OPTION', `Invalid ${option}: got ${got}, expected ${expected}`)
}

function list (value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0)
}

/** Each variable in its type; unset or blank is undefined, so the schema's default applies. */
function parse (env: NodeJS.ProcessEnv): Env {
  const text = (name: string): string | undefined => env[name]?.trim() || undefined
  const number = (name: string): number | undefined => text(name) === undefined ? undefined : Number(env[name])
  return {
    PORT: number('PORT'),
    HOST: text('HOST'),
    NODE_NAME: text('NODE_NAME'),
    SESSION_SERVERS: text('SESSION_SERVERS'),
    SESSION_SERVERS_PREVIOUS: text('SESSION_SERVERS_PREVIOUS'),
    SESSION_SECRETS: list(env.SESSION_SECRETS),
    SESSION_ENCRYPTION_KEYS: list(env.SESSION_ENCRYPTION_KEYS),
    SESSION_IDLE_TIMEOUT_S: number('SESSION_IDLE_TIMEOUT_S'),
    SESSION_ABSOLUTE_TIMEOUT_S: number('SESSION_ABSOLUTE_TIMEOUT_S'),
    // Set but empty means "trust no proxy", unlike unset.
    TRUSTED_PROXIES: env.TRUSTED_PROXIES === undefined ? undefined : list(env.TRUSTED_PROXIES),
    LB_STATUS_URL: text('LB_STATUS_URL'),
    LOG_LEVEL: text('LOG_LEVEL'),
    ACCESS_LOG: text('ACCESS_LOG')?.toLowerCase(),
    SHUTDOWN_DRAIN_MS: number('SHUTDOWN_DRAIN_MS'),
    LIVE_CHECK_INTERVAL_MS: number('LIVE_CHECK_INTERVAL_MS'),
    LIVE_PING_INTERVAL_MS: number('LIVE_PING_INTERVAL_MS'),
    LIVE_MESSAGES_PER_SECOND: number('LIVE_MESSAGES_PER_SECOND'),
    LIVE_MESSAGE_BURST: number('LIVE_MESSAGE_BURST')
  }
}

/** Checks the parsed environment against the schema; a refusal names the variable and what was set. */
function check (env: NodeJS.ProcessEnv, parsed: Env): Static<typeof EnvSchema> {
  const value = Value.Default(EnvSchema, parsed)
  const error = Value.Errors(EnvSchema, value).First()
  if (error === undefined) return value as Static<typeof EnvSchema>
  const [name = '', index] = error.path.split('/').slice(1)
  const schema: TSchema = EnvSchema.properties[name as keyof Env]
  const got = schema.secret === true
    ? `entry ${Number(index) + 1} with ${String(error.value).length} characters`
    : JSON.stringify(env[name] ?? error.value)
  throw invalid(name, got, typeof schema.expected === 'string' ? schema.expected : 'a valid value')
}

function isHttpUrl (text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol)
  } catch {
    return false
  }
}

/** Reads the node's options from the environment (see README.md for each variable). */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): WebConfig {
  const c = check(env, parse(env))
  const usingDevSecret = c.SESSION_SECRETS.length === 0
  if (c.SESSION_ABSOLUTE_TIMEOUT_S < c.SESSION_IDLE_TIMEOUT_S) {
    throw invalid('SESSION_ABSOLUTE_TIMEOUT_S', String(c.SESSION_ABSOLUTE_TIMEOUT_S), `at least SESSION_IDLE_TIMEOUT_S (${c.SESSION_IDLE_TIMEOUT_S})`)
  }
  if (c.LB_STATUS_URL !== undefined && !isHttpUrl(c.LB_STATUS_URL)) throw invalid('LB_STATUS_URL', JSON.stringify(c.LB_STATUS_URL), 'an http(s) URL')
  return Object.freeze({
    port: c.PORT,
    host: c.HOST,
    nodeName: c.NODE_NAME,
    sessionServers: c.SESSION_SERVERS,
    previousSessionServers: c.SESSION_SERVERS_PREVIOUS,
    sessionSecrets: Object.freeze(usingDevSecret ? [devSessionSecret] : c.SESSION_SECRETS),
    usingDevSecret,
    encryptionKeys: Object.freeze(c.SESSION_ENCRYPTION_KEYS),
    idleTimeoutMs: c.SESSION_IDLE_TIMEOUT_S * 1000,
    absoluteTimeoutMs: c.SESSION_ABSOLUTE_TIMEOUT_S * 1000,
    trustedProxies: Object.freeze(c.TRUSTED_PROXIES),
    lbStatusUrl: c.LB_STATUS_URL,
    logLevel: c.LOG_LEVEL,
    accessLog: c.ACCESS_LOG === 'on',
    shutdownDrainMs: c.SHUTDOWN_DRAIN_MS,
    liveCheckIntervalMs: c.LIVE_CHECK_INTERVAL_MS,
    livePingIntervalMs: c.LIVE_PING_INTERVAL_MS,
    liveMessagesPerSecond: c.LIVE_MESSAGES_PER_SECOND,
    liveMessageBurst: c.LIVE_MESSAGE_BURST
  })
}
