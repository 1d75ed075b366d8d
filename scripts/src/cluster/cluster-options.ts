import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { Type, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { invalidOption } from './errors.js'
import type { PortMode } from './process/free-port.js'

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

/**
 * For clusters that tests and the short chaos run start, restart and stop
 * many times: the LB checks health every 250 ms instead of every second, and
 * a web node drains 1.5 s instead of 3. The drain still spans six checks
 * (three with the defaults), so the LB takes a draining node out before it
 * stops accepting, as it does with the defaults; starts, rolls and stops only
 * wait less. A memcached server a node marked down is probed again after
 * 2 s, not the contract example's 15 (retry_interval): every kill or freeze a
 * test makes is followed by a wait until the server is refilled and read
 * again. `npm start` keeps the defaults.
 */
export const QUICK_HEALTH_CHECKS: { readonly webEnv: EnvOverrides, readonly lbEnv: EnvOverrides, readonly sessionServerParams: Partial<SessionServerParams> } = Object.freeze({
  webEnv: Object.freeze({ SHUTDOWN_DRAIN_MS: '1500' }),
  lbEnv: Object.freeze({ LB_HEALTH_INTERVAL_MS: '250' }),
  sessionServerParams: Object.freeze({ retryIntervalS: 2 })
})

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

// TypeBox, as in the services: one schema states each default and range once,
// and its Value module checks it without ajv. `expected` is our own keyword,
// the words a failure uses for what the option must be.
const integer = (minimum: number, maximum: number, fallback: number): TSchema =>
  Type.Integer({ minimum, maximum, default: fallback, expected: `an integer from ${minimum} to ${maximum}` })
const positive = (fallback: number): TSchema => Type.Number({ exclusiveMinimum: 0, default: fallback, expected: 'a positive number' })
const nonEmpty = (fallback?: string): TSchema => Type.String({ minLength: 1, default: fallback, expected: 'a non-empty string' })
const strings = Type.Array(Type.String(), { default: [], expected: 'an array of strings' })
const envOverrides = Type.Record(Type.String(), Type.Union([Type.String(), Type.Undefined()], { expected: 'a string or undefined' }), {
  default: {},
  expected: 'an object of strings'
})
const port = (fallback: number): TSchema => integer(0, 65_535, fallback)
const CommandSchema = Type.Object({ command: nonEmpty(), args: Type.Optional(strings), cwd: Type.Optional(Type.String({ expected: 'a path' })) })

const ClusterOptionsSchema = Type.Object({
  webNodes: integer(1, 9, 3),
  memcachedServers: integer(1, 9, 2),
  ports: Type.Object({
    lb: port(DEFAULT_PORTS.lb),
    lbAdmin: port(DEFAULT_PORTS.lbAdmin),
    webBase: port(DEFAULT_PORTS.webBase),
    memcachedBase: port(DEFAULT_PORTS.memcachedBase)
  }, { default: {} }),
  portMode: Type.Union([Type.Literal('prefer'), Type.Literal('strict'), Type.Literal('ephemeral')], {
    default: 'prefer',
    expected: "'prefer', 'strict' or 'ephemeral'"
  }),
  env: envOverrides,
  webEnv: envOverrides,
  lbEnv: envOverrides,
  // TypeBox calls a function default to make the value: the parent's secrets, else a fresh one.
  sessionSecrets: Type.String({ minLength: 1, default: () => process.env.SESSION_SECRETS ?? generateDevSecret(), expected: 'a non-empty string' }),
  sessionServerParams: Type.Object({ weight: positive(1), timeoutS: positive(1), retryIntervalS: positive(15) }, { default: {} }),
  restartOnExit: Type.Boolean({ default: false, expected: 'true or false' }),
  restartDelayMs: integer(0, 600_000, 1_000),
  stopGraceMs: integer(0, 600_000, 10_000),
  memcachedMemoryMb: integer(1, 65_536, 64),
  memcachedConnections: integer(1, 1_000_000, 1_024),
  memcachedArgs: strings,
  secureMemcached: Type.Boolean({ default: false, expected: 'true or false' }),
  commands: Type.Object({ memcached: nonEmpty('memcached'), web: Type.Optional(CommandSchema), lb: Type.Optional(CommandSchema) }, { default: {} }),
  rootDir: Type.String({ default: DEFAULT_ROOT_DIR, expected: 'a path' }),
  startTimeoutMs: integer(1, 3_600_000, 60_000),
  // No default here: TypeBox would copy a given stream's fields onto process.stdout.
  output: Type.Optional(Type.Unknown()),
  colour: Type.Optional(Type.Boolean({ expected: 'true or false' })),
  handleParentExit: Type.Boolean({ default: true, expected: 'true or false' })
})

/** The schema one level down a path, through an object's properties, a record's values or an array's items. */
function child (schema: TSchema, key: string): TSchema | undefined {
  const properties = schema.properties as Record<string, TSchema> | undefined
  const patterns = schema.patternProperties as Record<string, TSchema> | undefined
  return properties?.[key] ?? Object.values(patterns ?? {})[0] ?? schema.items as TSchema | undefined
}

/**
 * Throws for the first value the schema refuses, named by the deepest schema on its path
 * that says what it expects: a list is named whole, a map by its entry.
 */
function check (value: Record<string, unknown>): void {
  const error = Value.Errors(ClusterOptionsSchema, value).First()
  if (error === undefined) return
  let schema: TSchema | undefined = ClusterOptionsSchema
  let at: unknown = value
  let found = { name: error.path.slice(1).replaceAll('/', '.'), value: error.value, expected: `valid (${error.message})` }
  const path: string[] = []
  for (const key of error.path.split('/').slice(1)) {
    schema = schema === undefined ? undefined : child(schema, key)
    at = (at as Record<string, unknown> | undefined)?.[key]
    path.push(key)
    if (typeof schema?.expected === 'string') found = { name: path.join('.'), value: at, expected: schema.expected }
  }
  throw invalidOption(found.name, found.value, found.expected)
}

/** A fresh secret per run: dev sessions need not survive a restart of the whole cluster (memcached is empty then anyway). */
export function generateDevSecret (): string {
  return randomBytes(32).toString('base64url')
}

/**
 * Plain objects and arrays copied for Value.Default, which writes into what it is given:
 * a caller's options may be frozen. Streams and functions are kept as they are.
 */
function plainCopy (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainCopy)
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainCopy(v)]))
}

type CheckedOptions = Omit<ResolvedClusterOptions, 'commands' | 'output' | 'colour'> & { commands: { memcached: string, web?: CommandSpec, lb?: CommandSpec } }

/** Applies defaults and validates every option once; a bad one fails with STK_ERR_CLUSTER_INVALID_OPTION. */
export function resolveClusterOptions (options: ClusterOptions = {}): ResolvedClusterOptions {
  const o = Value.Default(ClusterOptionsSchema, plainCopy(options)) as Record<string, unknown>
  check(o)
  // Clean drops keys the schema does not know: an unknown option is ignored, not kept.
  const c = Value.Clean(ClusterOptionsSchema, o) as CheckedOptions
  const command = (spec: CommandSpec | undefined, main: string): CommandSpec => spec === undefined
    ? Object.freeze({ command: process.execPath, args: [join(c.rootDir, main)] })
    : Object.freeze({ ...spec, args: Object.freeze([...(spec.args ?? [])]) })
  return Object.freeze({
    ...c,
    ports: Object.freeze(c.ports),
    env: Object.freeze(c.env),
    webEnv: Object.freeze(c.webEnv),
    lbEnv: Object.freeze(c.lbEnv),
    sessionServerParams: Object.freeze(c.sessionServerParams),
    memcachedArgs: Object.freeze([...c.memcachedArgs]),
    commands: Object.freeze({
      memcached: c.commands.memcached,
      web: command(c.commands.web, 'services/web/dist/src/main.js'),
      lb: command(c.commands.lb, 'services/lb/dist/src/main.js')
    }),
    output: options.output === undefined ? process.stdout : options.output,
    colour: options.colour
  })
}
