// The nginx and HAProxy recipes of deploy/ as the tests use them: each
// committed file filled in (its {{PLACEHOLDERS}}) for a set of web nodes,
// beside the little a distribution's own main config would add (the nginx
// `http` block, an HAProxy `global` section) with every path in a temp dir,
// so neither needs root, /etc or /var.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findExecutable } from '../../src/cluster/process/command-check.js'
import { Supervisor } from '../../src/cluster/index.js'

export type ProxyKind = 'nginx' | 'haproxy'
export const PROXY_KINDS: readonly ProxyKind[] = ['nginx', 'haproxy']

const deployDir = fileURLToPath(new URL('../../../../deploy/', import.meta.url))
export const RECIPE_FILES: Record<ProxyKind, string> = {
  nginx: join(deployDir, 'nginx', 'stickless.conf'),
  haproxy: join(deployDir, 'haproxy', 'stickless.cfg')
}

/** The Debian package that brings each binary, for skip messages and CI. */
export const DEBIAN_PACKAGES: Record<ProxyKind, string> = { nginx: 'nginx', haproxy: 'haproxy' }

export interface RecipeValues {
  /** Where the proxy listens: host:port. */
  listen: string
  /** Each web node: its name and host:port. */
  webServers: ReadonlyArray<{ name: string, address: string }>
  /** The address the proxy connects to the nodes from (their TRUSTED_PROXIES). */
  sourceAddress: string
}

/** The binary, on PATH or in /usr/sbin (where Debian puts both, and a non-root PATH may not look). */
export function findProxy (kind: ProxyKind): string | undefined {
  return findExecutable(kind) ?? (existsSync(`/usr/sbin/${kind}`) ? `/usr/sbin/${kind}` : undefined)
}

export function skipUnlessInstalled (kind: ProxyKind): string | false {
  return findProxy(kind) === undefined ? `${kind} is not installed (Debian package "${DEBIAN_PACKAGES[kind]}"; npm test's bootstrap installs it)` : false
}

/** Replaces every {{NAME}}; a placeholder without a value is an error, so the committed file and the test cannot drift apart. */
export function fillTemplate (template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_match, name: string) => {
    const value = values[name]
    if (value === undefined) throw new Error(`placeholder {{${name}}} has no value`)
    return value
  })
}

/** The committed recipe with its placeholders filled in. */
export function filledRecipe (kind: ProxyKind, values: RecipeValues, recipe = readFileSync(RECIPE_FILES[kind], 'utf8')): string {
  const indent = kind === 'nginx' ? '    ' : '  '
  const servers = values.webServers.map(({ name, address }, i) => kind === 'nginx'
    ? `server ${address} max_fails=1 fail_timeout=10s;`
    : `server ${name.length > 0 ? name : `web-${i + 1}`} ${address}`)
  return fillTemplate(recipe, {
    LISTEN: values.listen,
    WEB_SERVERS: servers.join(`\n${indent}`),
    SOURCE_ADDRESS: values.sourceAddress
  })
}

/**
 * Writes the filled recipe and the main config around it into `dir`; returns
 * the arguments that check it (`nginx -t`, `haproxy -c`) and run it in the
 * foreground.
 */
export function writeProxyConfig (kind: ProxyKind, dir: string, values: RecipeValues, recipe?: string): { check: string[], run: string[] } {
  mkdirSync(join(dir, 'temp'), { recursive: true })
  if (kind === 'nginx') {
    writeFileSync(join(dir, 'stickless.conf'), filledRecipe(kind, values, recipe))
    const isRoot = process.getuid?.() === 0
    writeFileSync(join(dir, 'nginx.conf'), [
      // As root the workers would run as `nobody` and could not use the temp dir.
      ...(isRoot ? ['user root;'] : []),
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `  ${name}_temp_path ${join(dir, 'temp', name)};`),
      `  include ${join(dir, 'stickless.conf')};`,
      '}',
      ''
    ].join('\n'))
    // -e: the error log before the config is read (else /var/log/nginx).
    const base = ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')]
    return { check: ['-t', ...base], run: [...base, '-g', 'daemon off;'] }
  }
  writeFileSync(join(dir, 'global.cfg'), ['global', '  maxconn 4000', '  log stderr format short local0 warning', ''].join('\n'))
  writeFileSync(join(dir, 'stickless.cfg'), filledRecipe(kind, values, recipe))
  const files = ['-f', join(dir, 'global.cfg'), '-f', join(dir, 'stickless.cfg')]
  // -db: foreground, no daemon.
  return { check: ['-c', ...files], run: ['-db', ...files] }
}

/** Starts the proxy as a child of a Supervisor (stopped by PID, also on the test process's exit). */
export function startProxy (kind: ProxyKind, dir: string, values: RecipeValues): Supervisor {
  const bin = findProxy(kind)
  if (bin === undefined) throw new Error(`${kind} is not installed`)
  const { run } = writeProxyConfig(kind, dir, values)
  const supervisor = new Supervisor({ output: null, stopGraceMs: 5_000 })
  supervisor.start({ name: kind, command: bin, args: run })
  return supervisor
}
