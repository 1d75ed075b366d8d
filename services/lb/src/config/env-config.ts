import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { Type, type TSchema } from '@sinclair/typebox'
import { resolveWithSchema } from '@stickless/balancer'
import { parseBackendList } from '../upstreams/backend-list.js'
import { errorCodes } from './errors.js'
import type { LbOptions } from './options.js'

/** What main needs from the environment. TLS files are read by main, so this stays pure. */
export interface EnvConfig {
  readonly options: Omit<LbOptions, 'tls'>
  readonly tlsCertPath: string | undefined
  readonly tlsKeyPath: string | undefined
  readonly logLevel: string
}

/** The local topology of the contract: three web nodes on 3001-3003. */
export const defaultBackends = 'web-1=http://127.0.0.1:3001,web-2=http://127.0.0.1:3002,web-3=http://127.0.0.1:3003'

// Environment variable → numeric option. Defaults live in options.ts, so an
// unset variable leaves the option undefined; the ranges are checked there too.
const numericVariables = {
  LB_PORT: 'port',
  LB_HTTPS_PORT: 'httpsPort',
  LB_ADMIN_PORT: 'adminPort',
  LB_RESOLVE_INTERVAL_MS: 'resolveIntervalMs',
  LB_HEALTH_INTERVAL_MS: 'healthIntervalMs',
  LB_HEALTH_TIMEOUT_MS: 'healthTimeoutMs',
  LB_HEALTHY_THRESHOLD: 'healthyThreshold',
  LB_UNHEALTHY_THRESHOLD: 'unhealthyThreshold',
  LB_EJECTION_TIME_MS: 'ejectionTimeMs',
  LB_MAX_ATTEMPTS: 'maxAttempts',
  LB_BODY_BUFFER_LIMIT_BYTES: 'bodyBufferLimitBytes',
  LB_MAX_BODY_BYTES: 'maxBodyBytes',
  LB_BODY_DISCARD_LIMIT_BYTES: 'bodyDiscardLimitBytes',
  LB_CONNECT_TIMEOUT_MS: 'connectTimeoutMs',
  LB_PROXY_TIMEOUT_MS: 'proxyTimeoutMs',
  LB_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  LB_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  LB_KEEP_ALIVE_TIMEOUT_MS: 'keepAliveTimeoutMs',
  LB_AGENT_MAX_SOCKETS: 'agentMaxSockets',
  LB_AGENT_MAX_FREE_SOCKETS: 'agentMaxFreeSockets',
  LB_AGENT_FREE_SOCKET_TIMEOUT_MS: 'agentFreeSocketTimeoutMs',
  LB_SHUTDOWN_TIMEOUT_MS: 'shutdownTimeoutMs',
  LB_WORKERS: 'workers',
  LB_MAX_UPGRADED_SOCKETS: 'maxUpgradedSockets',
  LB_UPGRADE_IDLE_TIMEOUT_MS: 'upgradeIdleTimeoutMs',
  LB_UPGRADE_CLOSE_TIMEOUT_MS: 'upgradeCloseTimeoutMs'
} as const satisfies Record<string, keyof LbOptions>

const stringVariables = {
  LB_HOST: 'host',
  LB_HTTPS_HOST: 'httpsHost',
  LB_ADMIN_HOST: 'adminHost',
  LB_HEALTH_PATH: 'healthPath',
  LB_UPSTREAM_LOCAL_ADDRESS: 'upstreamLocalAddress'
} as const satisfies Record<string, keyof LbOptions>

// Environment variable → boolean option.
const booleanVariables = {
  LB_ACCESS_LOG: 'accessLog'
} as const satisfies Record<string, keyof LbOptions>

const booleanWords: Readonly<Record<string, boolean>> = { on: true, off: false, true: true, false: false, 1: true, 0: false }

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/**
 * The cores this process may use: os.availableParallelism() (CPU affinity,
 * cpusets), lowered to a cgroup v2 CPU quota when there is one (`docker run
 * --cpus`, a Kubernetes CPU limit), rounded up. At least 1.
 */
export function usableCores (cpuMaxPath = '/sys/fs/cgroup/cpu.max'): number {
  const cores = availableParallelism()
  try {
    const [quota, period] = readFileSync(cpuMaxPath, 'utf8').trim().split(/\s+/)
    if (quota !== undefined && quota !== 'max' && period !== undefined && Number(period) > 0) {
      return Math.max(1, Math.min(cores, Math.ceil(Number(quota) / Number(period))))
    }
  } catch {
    // No cgroup v2 CPU controller here: affinity is all there is to go by.
  }
  return cores
}

// The environment is checked by a TypeBox schema too, rather than env-schema:
// one schema language in the LB, and no ajv. The schema only checks the form
// of each variable (a whole number, a word); options.ts checks the ranges.
// TypeBox's Value.Convert is not used: it reads "1.5" as 1 and "0x10" as 16.
const caseless = (word: string): string => [...word].map((c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).join('')
const wholeNumber = Type.Optional(Type.String({ pattern: '^\\d+$', expected: 'expected a whole number' }))

const EnvSchema = Type.Object({
  ...Object.fromEntries(Object.keys(numericVariables).map((variable): [string, TSchema] => [variable, wholeNumber])),
  // LB_WORKERS=auto: one worker per core this process may use.
  LB_WORKERS: Type.Optional(Type.String({ pattern: `^(\\d+|${caseless('auto')})$`, expected: 'expected a whole number or auto' })),
  ...Object.fromEntries(Object.keys(stringVariables).map((variable): [string, TSchema] => [variable, Type.Optional(Type.String())])),
  LB_ACCESS_LOG: Type.Optional(Type.String({
    pattern: `^(${Object.keys(booleanWords).map(caseless).join('|')})$`,
    expected: 'expected on or off (true/false, 1/0)'
  })),
  LB_BACKENDS: Type.String({ default: defaultBackends }),
  LB_TLS_CERT: Type.Optional(Type.String()),
  LB_TLS_KEY: Type.Optional(Type.String()),
  LOG_LEVEL: Type.Union(logLevels.map((level) => Type.Literal(level)), { default: 'info', expected: `expected one of ${logLevels.join(', ')}` })
})

type CheckedEnv = Partial<Record<string, string>> & { LB_BACKENDS: string, LOG_LEVEL: string }

export function readEnvConfig (env: Readonly<Record<string, string | undefined>>, cores: () => number = usableCores): EnvConfig {
  const Invalid = errorCodes.STK_ERR_LB_INVALID_ENV
  // Only the LB's variables, trimmed; an empty one counts as unset.
  const given = Object.fromEntries(Object.keys(EnvSchema.properties).map((variable) => [variable, present(env[variable])]))
  const checked = resolveWithSchema<CheckedEnv>(EnvSchema, given, Invalid)
  const options: Record<string, unknown> = {}
  for (const [variable, option] of Object.entries(numericVariables)) {
    const raw = checked[variable]
    if (raw !== undefined) options[option] = raw.toLowerCase() === 'auto' ? cores() : Number(raw)
  }
  for (const [variable, option] of Object.entries(stringVariables)) {
    if (checked[variable] !== undefined) options[option] = checked[variable]
  }
  for (const [variable, option] of Object.entries(booleanVariables)) {
    const raw = checked[variable]
    if (raw !== undefined) options[option] = booleanWords[raw.toLowerCase()]
  }
  const backends = parseBackendList(checked.LB_BACKENDS)
  if (backends.length === 0) throw new Invalid('LB_BACKENDS', 'expected at least one backend', checked.LB_BACKENDS)

  const tlsCertPath = checked.LB_TLS_CERT
  const tlsKeyPath = checked.LB_TLS_KEY
  if ((tlsCertPath === undefined) !== (tlsKeyPath === undefined)) {
    throw new Invalid(tlsCertPath === undefined ? 'LB_TLS_CERT' : 'LB_TLS_KEY', 'LB_TLS_CERT and LB_TLS_KEY go together', '(unset)')
  }
  return Object.freeze({
    options: Object.freeze({ ...options, backends }),
    tlsCertPath,
    tlsKeyPath,
    logLevel: checked.LOG_LEVEL
  })
}

function present (value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed === '' ? undefined : trimmed
}
