import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { invalidOption } from './errors.js'
import type { PortMode } from './free-port.js'

/** A program to run; `args` come before nothing else, the cluster passes config through env. */
export interface CommandSpec {
  command: string
  args?: readonly string[]
  cwd?: string
}

/** The contract's ports. A port of 0 means "any free port". */
export interface ClusterPorts {
  /** Default 8080. */
  lb: number
  /** Default 8081. */
  lbAdmin: number
  /** web-1 gets this, web-2 the next one, and so on. Default 3001. */
  webBase: number
  /** memcached-1 gets this, memcached-2 the next one. Default 11211. */
  memcachedBase: number
}

/** Query parameters of every SESSION_SERVERS entry, in the contract's units (seconds). */
export interface SessionServerParams {
  /** Default 1. */
  weight: number
  /** Default 1 s. */
  timeoutS: number
  /** Default 15 s. */
  retryIntervalS: number
}

type EnvOverrides = Readonly<Record<string, string | undefined>>

export interface ClusterOptions {
  /** Number of web nodes, named web-1..web-N. Default 3. */
  webNodes?: number
  /** Number of memcached servers, named memcached-1..memcached-N. Default 2. */
  memcachedServers?: number
  ports?: Partial<ClusterPorts>
  /** How ports are chosen (see PortMode). Default 'prefer'; tests should pass 'ephemeral'. */
  portMode?: PortMode
  /** Extra env for web nodes and the LB; `undefined` removes a variable. Applied after the cluster's own. */
  env?: EnvOverrides
  /** Extra env for web nodes only, applied after `env`. */
  webEnv?: EnvOverrides
  /** Extra env for the LB only, applied after `env`. */
  lbEnv?: EnvOverrides
  /** SESSION_SECRETS for every web node. Default: the parent's SESSION_SECRETS, else a random dev secret. */
  sessionSecrets?: string
  sessionServerParams?: Partial<SessionServerParams>
  /** Restart processes that die unexpectedly (npm start). Default false: tests control deaths. */
  restartOnExit?: boolean
  /** Pause before an automatic restart. Default 1000 ms. */
  restartDelayMs?: number
  /** SIGTERM-to-SIGKILL grace when stopping or restarting a process. Default 10000 ms (a web node drains first). */
  stopGraceMs?: number
  /** memcached -m. Default 64 MB. */
  memcachedMemoryMb?: number
  /** memcached -c. Default 1024. */
  memcachedConnections?: number
  /** Appended to every memcached command line. Default none. */
  memcachedArgs?: readonly string[]
  /**
   * memcached with TLS and ASCII authentication (a throwaway CA and password
   * per run), and the web nodes' SESSION_SERVERS with `tls://user:password@`.
   * Default false.
   */
  secureMemcached?: boolean
  /** Programs to run; tests pass stand-ins. Defaults: `memcached` from PATH and the built services' main.js. */
  commands?: { memcached?: string, web?: CommandSpec, lb?: CommandSpec }
  /** Repository root, for the default commands. Default: found from this file's location. */
  rootDir?: string
  /** start() fails when the cluster is not ready within this. Default 60000 ms. */
  startTimeoutMs?: number
  /** Where prefixed process output goes; null keeps it in memory only (logs()). Default process.stdout. */
  output?: Writable | null
  /** Colour the output prefixes. Default: when the output is a TTY. */
  colour?: boolean
  /** Stop every child on the parent's SIGINT, SIGTERM and exit. Default true. */
  handleParentExit?: boolean
}

export interface ResolvedClusterOptions {
  readonly webNodes: number
  readonly memcachedServers: number
  readonly ports: Readonly<ClusterPorts>
  readonly portMode: PortMode
  readonly env: EnvOverrides
  readonly webEnv: EnvOverrides
  readonly lbEnv: EnvOverrides
  readonly sessionSecrets: string
  readonly sessionServerParams: Readonly<SessionServerParams>
  readonly restartOnExit: boolean
  readonly restartDelayMs: number
  readonly stopGraceMs: number
  readonly memcachedMemoryMb: number
  readonly memcachedConnections: number
  readonly memcachedArgs: readonly string[]
  readonly secureMemcached: boolean
  readonly commands: { readonly memcached: string, readonly web: CommandSpec, readonly lb: CommandSpec }
  readonly rootDir: string
  readonly startTimeoutMs: number
  readonly output: Writable | null
  readonly colour: boolean | undefined
  readonly handleParentExit: boolean
}

export const DEFAULT_PORTS: Readonly<ClusterPorts> = Object.freeze({ lb: 8080, lbAdmin: 8081, webBase: 3001, memcachedBase: 11211 })

/** scripts/dist/src/cluster/ is four levels below the repository root. */
const DEFAULT_ROOT_DIR = fileURLToPath(new URL('../../../../', import.meta.url))

function integer (option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(option, value, `an integer from ${min} to ${max}`)
  }
  return value
}

function boolean (option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw invalidOption(option, value, 'true or false')
  return value
}

function positiveNumber (option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalidOption(option, value, 'a positive number')
  return value
}

function envOverrides (option: string, value: unknown): EnvOverrides {
  if (value === undefined) return Object.freeze({})
  if (typeof value !== 'object' || value === null) throw invalidOption(option, value, 'an object of strings')
  for (const [key, v] of Object.entries(value)) {
    if (v !== undefined && typeof v !== 'string') throw invalidOption(`${option}.${key}`, v, 'a string or undefined')
  }
  return Object.freeze({ ...(value as Record<string, string | undefined>) })
}

function command (option: string, value: CommandSpec | undefined, fallback: CommandSpec): CommandSpec {
  if (value === undefined) return Object.freeze(fallback)
  if (typeof value.command !== 'string' || value.command === '') throw invalidOption(`${option}.command`, value.command, 'a non-empty string')
  if (value.args !== undefined && (!Array.isArray(value.args) || !value.args.every((a) => typeof a === 'string'))) {
    throw invalidOption(`${option}.args`, value.args, 'an array of strings')
  }
  return Object.freeze({ ...value, args: Object.freeze([...(value.args ?? [])]) })
}

/** A fresh secret per run: dev sessions need not survive a restart of the whole cluster (memcached is empty then anyway). */
export function generateDevSecret (): string {
  return randomBytes(32).toString('base64url')
}

/** Applies defaults and validates every option once; a bad one fails with STK_ERR_CLUSTER_INVALID_OPTION. */
export function resolveClusterOptions (options: ClusterOptions = {}): ResolvedClusterOptions {
  const rootDir = options.rootDir ?? DEFAULT_ROOT_DIR
  const ports = { ...DEFAULT_PORTS, ...options.ports }
  for (const [key, value] of Object.entries(ports)) integer(`ports.${key}`, value, 0, 0, 65_535)
  const portMode = options.portMode ?? 'prefer'
  if (!['prefer', 'strict', 'ephemeral'].includes(portMode)) throw invalidOption('portMode', portMode, "'prefer', 'strict' or 'ephemeral'")
  const sessionSecrets = options.sessionSecrets ?? process.env.SESSION_SECRETS ?? generateDevSecret()
  if (typeof sessionSecrets !== 'string' || sessionSecrets === '') throw invalidOption('sessionSecrets', sessionSecrets, 'a non-empty string')
  const params = options.sessionServerParams ?? {}
  const memcachedArgs = options.memcachedArgs ?? []
  if (!Array.isArray(memcachedArgs) || !memcachedArgs.every((a) => typeof a === 'string')) throw invalidOption('memcachedArgs', memcachedArgs, 'an array of strings')
  const memcached = options.commands?.memcached ?? 'memcached'
  if (typeof memcached !== 'string' || memcached === '') throw invalidOption('commands.memcached', memcached, 'a non-empty string')

  return Object.freeze({
    webNodes: integer('webNodes', options.webNodes, 3, 1, 9),
    memcachedServers: integer('memcachedServers', options.memcachedServers, 2, 1, 9),
    ports: Object.freeze(ports),
    portMode,
    env: envOverrides('env', options.env),
    webEnv: envOverrides('webEnv', options.webEnv),
    lbEnv: envOverrides('lbEnv', options.lbEnv),
    sessionSecrets,
    sessionServerParams: Object.freeze({
      weight: positiveNumber('sessionServerParams.weight', params.weight, 1),
      timeoutS: positiveNumber('sessionServerParams.timeoutS', params.timeoutS, 1),
      retryIntervalS: positiveNumber('sessionServerParams.retryIntervalS', params.retryIntervalS, 15)
    }),
    restartOnExit: options.restartOnExit ?? false,
    restartDelayMs: integer('restartDelayMs', options.restartDelayMs, 1_000, 0, 600_000),
    stopGraceMs: integer('stopGraceMs', options.stopGraceMs, 10_000, 0, 600_000),
    memcachedMemoryMb: integer('memcachedMemoryMb', options.memcachedMemoryMb, 64, 1, 65_536),
    secureMemcached: boolean('secureMemcached', options.secureMemcached, false),
    memcachedConnections: integer('memcachedConnections', options.memcachedConnections, 1_024, 1, 1_000_000),
    memcachedArgs: Object.freeze([...memcachedArgs]),
    commands: Object.freeze({
      memcached,
      web: command('commands.web', options.commands?.web, { command: process.execPath, args: [join(rootDir, 'services/web/dist/src/main.js')] }),
      lb: command('commands.lb', options.commands?.lb, { command: process.execPath, args: [join(rootDir, 'services/lb/dist/src/main.js')] })
    }),
    rootDir,
    startTimeoutMs: integer('startTimeoutMs', options.startTimeoutMs, 60_000, 1, 3_600_000),
    output: options.output === undefined ? process.stdout : options.output,
    colour: options.colour,
    handleParentExit: options.handleParentExit ?? true
  })
}
