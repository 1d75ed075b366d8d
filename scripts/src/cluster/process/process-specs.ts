// Which command, arguments and environment each process of the cluster gets.
// Pure: everything comes in as arguments (the parent's env included), so a
// test can read a spec without starting anything.
import type { CommandSpec, ResolvedClusterOptions } from '../cluster-options.js'
import { MEMCACHED_TLS_NAME, type MemcachedSecurity } from '../memcached-security.js'
import { CLUSTER_HOST, LB_SOURCE_ADDRESS, type Member } from '../members.js'
import { formatSessionServers } from '../session-servers.js'
import type { ProcessSpec } from './supervisor.js'

/** A spec with every field the cluster fills in. */
export type FullProcessSpec = Required<Pick<ProcessSpec, 'name' | 'command' | 'args' | 'env'>> & Pick<ProcessSpec, 'cwd'>

/** What a web node's environment depends on besides its own name and port. */
export interface WebSpecInputs {
  /** SESSION_SERVERS: the pool's server string. */
  readonly sessionServers: string
  /** SESSION_SERVERS_PREVIOUS, set only while a pool change rolls. */
  readonly previousSessionServers: string | undefined
  /** LB_STATUS_URL: the LB's status.json, for the dashboard. */
  readonly lbStatusUrl: string
}

/** What the LB's environment depends on besides its own port. */
export interface LbSpecInputs {
  readonly adminPort: number
  /** The web nodes it balances over, in order. */
  readonly web: readonly Member[]
}

/**
 * The server string (SESSION_SERVERS) for these memcached servers: each with the
 * options' weight, timeout and retry interval, and TLS and credentials when
 * the run has its own (secureMemcached).
 */
export function sessionServersFor (servers: readonly Member[], options: ResolvedClusterOptions, security: MemcachedSecurity | undefined): string {
  return formatSessionServers(servers.map((m) => ({
    host: CLUSTER_HOST,
    port: m.port,
    weight: options.sessionServerParams.weight,
    timeoutS: options.sessionServerParams.timeoutS,
    retryIntervalS: options.sessionServerParams.retryIntervalS,
    tls: security === undefined ? undefined : { caFile: security.caFile, servername: MEMCACHED_TLS_NAME },
    credentials: security === undefined ? undefined : { username: security.username, password: security.password }
  })))
}

export function memcachedSpec (
  m: Member,
  options: ResolvedClusterOptions,
  security: MemcachedSecurity | undefined,
  parentEnv: NodeJS.ProcessEnv = process.env,
  asRoot = process.getuid?.() === 0
): FullProcessSpec {
  // memcached refuses to run as root without -u; nobody is the unprivileged user every Debian has.
  const user = asRoot ? ['-u', 'nobody'] : []
  return {
    name: m.name,
    command: options.commands.memcached,
    args: ['-l', CLUSTER_HOST, '-p', String(m.port), '-U', '0', '-m', String(options.memcachedMemoryMb), '-c', String(options.memcachedConnections), ...user, ...(security?.memcachedArgs ?? []), ...options.memcachedArgs],
    env: parentEnv
  }
}

export function webSpec (m: Member, options: ResolvedClusterOptions, inputs: WebSpecInputs, parentEnv: NodeJS.ProcessEnv = process.env): FullProcessSpec {
  return nodeSpec(m.name, options.commands.web, {
    PORT: String(m.port),
    HOST: CLUSTER_HOST,
    NODE_NAME: m.name,
    SESSION_SERVERS: inputs.sessionServers,
    // Set only while a pool change rolls; never inherited from our own env.
    SESSION_SERVERS_PREVIOUS: inputs.previousSessionServers,
    SESSION_SECRETS: options.sessionSecrets,
    LB_STATUS_URL: inputs.lbStatusUrl,
    // The LB reaches the nodes over loopback: only it may set X-Forwarded-*.
    TRUSTED_PROXIES: LB_SOURCE_ADDRESS
  }, options.webEnv, options, parentEnv)
}

export function lbSpec (m: Member, options: ResolvedClusterOptions, inputs: LbSpecInputs, parentEnv: NodeJS.ProcessEnv = process.env): FullProcessSpec {
  return nodeSpec(m.name, options.commands.lb, {
    LB_PORT: String(m.port),
    LB_HOST: CLUSTER_HOST,
    LB_ADMIN_PORT: String(inputs.adminPort),
    LB_ADMIN_HOST: CLUSTER_HOST,
    ...(LB_SOURCE_ADDRESS === CLUSTER_HOST ? {} : { LB_UPSTREAM_LOCAL_ADDRESS: LB_SOURCE_ADDRESS }),
    LB_BACKENDS: inputs.web.map((w) => `${w.name}=http://${CLUSTER_HOST}:${w.port}`).join(',')
  }, options.lbEnv, options, parentEnv)
}

/**
 * A Node service's spec: the parent's env, then the cluster's own variables,
 * then the options' `env`, then the role's; `undefined` removes a variable.
 */
function nodeSpec (
  name: string,
  command: CommandSpec,
  own: Record<string, string | undefined>,
  roleEnv: Readonly<Record<string, string | undefined>>,
  options: ResolvedClusterOptions,
  parentEnv: NodeJS.ProcessEnv
): FullProcessSpec {
  const env: NodeJS.ProcessEnv = { ...parentEnv }
  // Set by `node --test` in test processes; a child that inherited it would believe it is a test file.
  delete env.NODE_TEST_CONTEXT
  for (const [key, value] of Object.entries({ ...own, ...options.env, ...roleEnv })) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  // The OTEL_* variables come with the parent's env; each process names itself in traces unless told.
  if ((env.OTEL_SERVICE_NAME ?? '').trim() === '') env.OTEL_SERVICE_NAME = `stickless-${name}`
  return { name, command: command.command, args: command.args ?? [], env, cwd: command.cwd ?? options.rootDir }
}
