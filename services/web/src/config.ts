// Options for one web node: defaults stated once, with units, validated once
// and frozen (see fastify's lib/initial-config-validation.js). A bad value fails
// at start with STK_ERR_WEB_INVALID_OPTION naming the option and what it got.
import os from 'node:os'
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
  shutdownDrainMs: 3000 // the LB probes health about every second; three probes is plenty
})

// Public on purpose: it only exists so `npm start` works without setup, and
// main.ts warns loudly whenever it is used.
export const devSessionSecret = 'stickless-development-secret-do-not-use-in-production'

const MIN_SECRET_LENGTH = 32
const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
const NODE_NAME = /^[A-Za-z0-9._-]{1,64}$/

function invalid (option: string, got: string, expected: string): WebError {
  return new WebError('STK_ERR_WEB_INVALID_OPTION', `Invalid ${option}: got ${got}, expected ${expected}`)
}

function list (value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0)
}

function integer (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(name, JSON.stringify(raw), `an integer from ${min} to ${max}`)
  }
  return value
}

/** Reads the node's options from the environment (see README.md for each variable). */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): WebConfig {
  const port = integer(env, 'PORT', defaults.port, 0, 65535)
  const host = env.HOST?.trim() || defaults.host
  const nodeName = env.NODE_NAME?.trim() || os.hostname()
  if (!NODE_NAME.test(nodeName)) {
    // It goes into a response header and CSS class names, so keep it plain.
    throw invalid('NODE_NAME', JSON.stringify(nodeName), 'letters, digits, ".", "_" or "-", at most 64')
  }

  const secrets = list(env.SESSION_SECRETS)
  secrets.forEach((secret, i) => {
    if (secret.length < MIN_SECRET_LENGTH) {
      // Never echo a secret, not even a short one.
      throw invalid('SESSION_SECRETS', `entry ${i + 1} with ${secret.length} characters`, `at least ${MIN_SECRET_LENGTH} characters each`)
    }
  })

  const idleTimeoutS = integer(env, 'SESSION_IDLE_TIMEOUT_S', defaults.idleTimeoutS, 1, 30 * 24 * 3600)
  const absoluteTimeoutS = integer(env, 'SESSION_ABSOLUTE_TIMEOUT_S', defaults.absoluteTimeoutS, 1, 365 * 24 * 3600)
  if (absoluteTimeoutS < idleTimeoutS) {
    throw invalid('SESSION_ABSOLUTE_TIMEOUT_S', String(absoluteTimeoutS), `at least SESSION_IDLE_TIMEOUT_S (${idleTimeoutS})`)
  }

  const lbStatusUrl = env.LB_STATUS_URL?.trim() || undefined
  if (lbStatusUrl !== undefined) {
    let protocol = ''
    try { protocol = new URL(lbStatusUrl).protocol } catch { /* reported below */ }
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw invalid('LB_STATUS_URL', JSON.stringify(lbStatusUrl), 'an http(s) URL')
    }
  }

  const logLevel = env.LOG_LEVEL?.trim() || defaults.logLevel
  if (!LOG_LEVELS.has(logLevel)) {
    throw invalid('LOG_LEVEL', JSON.stringify(logLevel), [...LOG_LEVELS].join(', '))
  }

  const accessLogRaw = env.ACCESS_LOG?.trim().toLowerCase() || (defaults.accessLog ? 'on' : 'off')
  if (accessLogRaw !== 'on' && accessLogRaw !== 'off') {
    throw invalid('ACCESS_LOG', JSON.stringify(env.ACCESS_LOG), 'on or off')
  }

  const trustedProxies = list(env.TRUSTED_PROXIES ?? defaults.trustedProxies)

  return Object.freeze({
    port,
    host,
    nodeName,
    sessionServers: env.SESSION_SERVERS?.trim() || defaults.sessionServers,
    sessionSecrets: Object.freeze(secrets.length > 0 ? secrets : [devSessionSecret]),
    usingDevSecret: secrets.length === 0,
    encryptionKeys: Object.freeze(list(env.SESSION_ENCRYPTION_KEYS)),
    idleTimeoutMs: idleTimeoutS * 1000,
    absoluteTimeoutMs: absoluteTimeoutS * 1000,
    trustedProxies: Object.freeze(trustedProxies),
    lbStatusUrl,
    logLevel,
    accessLog: accessLogRaw === 'on',
    shutdownDrainMs: integer(env, 'SHUTDOWN_DRAIN_MS', defaults.shutdownDrainMs, 0, 120_000)
  })
}
