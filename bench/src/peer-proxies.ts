// nginx and HAProxy, the peers our LB is measured against. Their configs are
// templates in bench/configs/ with {{NAME}} placeholders; each run fills them
// in with its free ports and temp dir, and runs both in the foreground as
// child processes (pid files, logs and temp paths inside the run's temp dir),
// stopped by PID like everything else.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchProcesses } from './bench-processes.js'

const CONFIGS = new URL('../../configs/', import.meta.url)

export interface PeerBackends {
  /** host:port of each /hello server */
  hello: readonly string[]
  /** host:port of each web node */
  web: readonly string[]
}

export interface PeerPorts {
  hello: number
  web: number
}

/** Replaces every {{NAME}}; a placeholder without a value is a bug in the caller. */
export function fillTemplate (template: string, values: Record<string, string>): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
    const value = values[name]
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`)
    return value
  })
}

/** A peer's config from its template in bench/configs: the same ports and backends, each peer its own `server` line. */
function peerConfig (template: string, dir: string, ports: PeerPorts, backends: PeerBackends, serverLine: (backend: string, i: number) => string): string {
  const servers = (list: readonly string[]): string => list.map(serverLine).join('\n')
  return fillTemplate(readFileSync(new URL(template, CONFIGS), 'utf8'), {
    DIR: dir,
    HELLO_PORT: String(ports.hello),
    WEB_PORT: String(ports.web),
    HELLO_SERVERS: servers(backends.hello),
    WEB_SERVERS: servers(backends.web)
  })
}

export function nginxConfig (dir: string, ports: PeerPorts, backends: PeerBackends): string {
  return peerConfig('nginx.conf.template', dir, ports, backends, (b) => `    server ${b};`)
}

export function haproxyConfig (dir: string, ports: PeerPorts, backends: PeerBackends): string {
  return peerConfig('haproxy.cfg.template', dir, ports, backends, (b, i) => `  server n${i + 1} ${b}`)
}

export function startNginx (processes: BenchProcesses, ports: PeerPorts, backends: PeerBackends): void {
  const dir = processes.dir
  mkdirSync(join(dir, 'nginx-temp'), { recursive: true })
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, nginxConfig(dir, ports, backends))
  // -e: the error log before the config is read (else /var/log/nginx);
  // daemon off: stay in the foreground as our child.
  processes.start({ name: 'nginx', tier: 2, command: 'nginx', args: ['-e', join(dir, 'logs', 'nginx-error.log'), '-p', dir, '-c', conf, '-g', 'daemon off;'] })
}

export function startHaproxy (processes: BenchProcesses, ports: PeerPorts, backends: PeerBackends): void {
  const dir = processes.dir
  const conf = join(dir, 'haproxy.cfg')
  writeFileSync(conf, haproxyConfig(dir, ports, backends))
  // -db: foreground, no daemon
  processes.start({ name: 'haproxy', tier: 2, command: 'haproxy', args: ['-db', '-f', conf] })
}
