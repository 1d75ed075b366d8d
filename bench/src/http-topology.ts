// The processes of the HTTP benchmark, all on free loopback ports:
//
//   memcached-a, memcached-b          the session servers
//   hello-1..3                        bare Fastify /hello servers (the baseline)
//   web-1..3                          web nodes, sessions on both servers (2 replicas)
//   web-solo                          a web node with memcached-a only (1 replica)
//   lb-hello, lb-web                  our LB (services/lb) over hello-1..3 / web-1..3
//   nginx, haproxy                    the peers, each with one port per group
//   bare-proxy                        a bare http-proxy round robin (a reference)
//
// Everything is started by start() and stopped by stop(), by PID.
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { freePort, probeHttp } from '@stickless/scripts/cluster'
import { BenchProcesses } from './bench-processes.js'
import { startHaproxy, startNginx } from './peer-proxies.js'

export const ROOT_DIR = fileURLToPath(new URL('../../../', import.meta.url))
const WEB_MAIN = `${ROOT_DIR}services/web/dist/src/main.js`
const LB_MAIN = `${ROOT_DIR}services/lb/dist/src/main.js`
const HELLO_MAIN = fileURLToPath(new URL('hello-server.js', import.meta.url))
const BARE_PROXY_MAIN = fileURLToPath(new URL('bare-proxy.js', import.meta.url))

/** What the contract's example says: 1 s timeout, 15 s retry interval. */
export const SESSION_TIMEOUT_S = 1
export const SESSION_RETRY_INTERVAL_S = 15

export type ProxyName = 'lb' | 'nginx' | 'haproxy' | 'bare-proxy'
export const PROXIES: readonly ProxyName[] = ['lb', 'nginx', 'haproxy', 'bare-proxy']

/** The processes that do a proxy's work, for CPU accounting. */
export function proxyProcess (proxy: ProxyName, group: 'hello' | 'web'): string {
  return proxy === 'lb' ? `lb-${group}` : proxy
}

export interface Endpoint {
  name: string
  url: string
}

export interface TopologyOptions {
  /** Extra node flags per process name, e.g. --cpu-prof for a profile run. */
  nodeArgs?: (name: string) => string[]
  /** memcached -m; the 512 KB sessions need room. */
  memcachedMemoryMb?: number
  keepTempDir?: boolean
}

export class HttpTopology {
  readonly processes: BenchProcesses
  readonly secret = randomBytes(32).toString('hex')
  readonly memcached: Endpoint[] = []
  readonly hello: Endpoint[] = []
  readonly web: Endpoint[] = []
  webSolo: Endpoint = { name: 'web-solo', url: '' }
  /** Per proxy: the URL of its /hello group and of its web-node group. */
  readonly proxies = new Map<ProxyName, { hello: string, web: string }>()
  private readonly options: TopologyOptions

  constructor (options: TopologyOptions = {}) {
    this.options = options
    this.processes = new BenchProcesses({ keepDir: options.keepTempDir })
  }

  /** host:port of each memcached server. */
  get memcachedAddresses (): string[] {
    return this.memcached.map((m) => m.url)
  }

  sessionServers (addresses: readonly string[]): string {
    return addresses.map((a) => `tcp://${a}?weight=1&timeout=${SESSION_TIMEOUT_S}&retry_interval=${SESSION_RETRY_INTERVAL_S}`).join(',')
  }

  async start (log: (line: string) => void): Promise<void> {
    const p = this.processes
    const nodeArgs = this.options.nodeArgs ?? (() => [])
    const asUser = process.getuid?.() === 0 ? ['-u', 'nobody'] : []
    for (const name of ['memcached-a', 'memcached-b']) {
      const port = await freePort()
      p.start({ name, tier: 0, command: 'memcached', args: ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', String(this.options.memcachedMemoryMb ?? 2048), '-c', '4096', ...asUser] })
      this.memcached.push({ name, url: `127.0.0.1:${port}` })
      await p.waitForMemcached(name, port)
    }

    for (let i = 1; i <= 3; i++) {
      const name = `hello-${i}`
      const port = await freePort()
      p.start({ name, tier: 1, command: process.execPath, args: [...nodeArgs(name), HELLO_MAIN], env: { PORT: String(port), NODE_NAME: name } })
      this.hello.push({ name, url: `http://127.0.0.1:${port}` })
    }

    for (let i = 1; i <= 3; i++) this.web.push(await this.startWeb(`web-${i}`, this.memcachedAddresses))
    this.webSolo = await this.startWeb('web-solo', this.memcachedAddresses.slice(0, 1))
    for (const e of [...this.hello, ...this.web, this.webSolo]) await p.waitForHttp(e.name, `${e.url}/healthz`)
    log(`hello servers, web nodes and web-solo are up (logs in ${p.dir}/logs)`)

    const lbPorts = { hello: await this.startLb('lb-hello', this.hello), web: await this.startLb('lb-web', this.web) }
    this.proxies.set('lb', { hello: `http://127.0.0.1:${lbPorts.hello}`, web: `http://127.0.0.1:${lbPorts.web}` })

    const backends = { hello: this.hello.map((e) => e.url.slice('http://'.length)), web: this.web.map((e) => e.url.slice('http://'.length)) }
    const nginxPorts = { hello: await freePort(), web: await freePort() }
    startNginx(p, nginxPorts, backends)
    this.proxies.set('nginx', { hello: `http://127.0.0.1:${nginxPorts.hello}`, web: `http://127.0.0.1:${nginxPorts.web}` })
    const haproxyPorts = { hello: await freePort(), web: await freePort() }
    startHaproxy(p, haproxyPorts, backends)
    this.proxies.set('haproxy', { hello: `http://127.0.0.1:${haproxyPorts.hello}`, web: `http://127.0.0.1:${haproxyPorts.web}` })
    const barePorts = { hello: await freePort(), web: await freePort() }
    p.start({
      name: 'bare-proxy',
      tier: 2,
      command: process.execPath,
      args: [...nodeArgs('bare-proxy'), BARE_PROXY_MAIN],
      env: {
        HELLO_PORT: String(barePorts.hello),
        WEB_PORT: String(barePorts.web),
        HELLO_TARGETS: this.hello.map((e) => e.url).join(','),
        WEB_TARGETS: this.web.map((e) => e.url).join(',')
      }
    })
    this.proxies.set('bare-proxy', { hello: `http://127.0.0.1:${barePorts.hello}`, web: `http://127.0.0.1:${barePorts.web}` })

    // Ready when each proxy has sent a request to every node of both groups.
    for (const [proxy, urls] of this.proxies) {
      for (const [group, members] of [['hello', this.hello], ['web', this.web]] as const) {
        const name = proxyProcess(proxy, group)
        const seen = new Set<string>()
        await p.waitFor(name, `every ${group} node behind ${proxy}`, async () => {
          const r = await probeHttp(`${urls[group]}/healthz`, 500)
          if (r?.status === 200 && r.servedBy !== undefined) seen.add(r.servedBy)
          return seen.size === members.length
        }, 30_000)
      }
    }
    log('our LB, nginx, HAProxy and the bare http-proxy have every node in rotation')
  }

  /** Starts a web node (not waiting for it); `env` adds to or overrides the defaults. */
  async startWeb (name: string, servers: readonly string[], env: Record<string, string> = {}): Promise<Endpoint> {
    const port = await freePort()
    this.processes.start({
      name,
      tier: 1,
      command: process.execPath,
      args: [...(this.options.nodeArgs?.(name) ?? []), WEB_MAIN],
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_NAME: name,
        SESSION_SERVERS: this.sessionServers(servers),
        SESSION_SECRETS: this.secret,
        TRUSTED_PROXIES: '127.0.0.1',
        // No LB waits for these nodes to leave its rotation before they stop.
        SHUTDOWN_DRAIN_MS: '0',
        ...env
      }
    })
    return { name, url: `http://127.0.0.1:${port}` }
  }

  /** Starts our LB over `members` (not waiting for it); returns its port. */
  async startLb (name: string, members: readonly Endpoint[], env: Record<string, string> = {}): Promise<number> {
    const port = await freePort()
    this.processes.start({
      name,
      tier: 2,
      command: process.execPath,
      args: [...(this.options.nodeArgs?.(name) ?? []), LB_MAIN],
      env: {
        LB_PORT: String(port),
        LB_HOST: '127.0.0.1',
        LB_ADMIN_PORT: String(await freePort()),
        LB_ADMIN_HOST: '127.0.0.1',
        LB_BACKENDS: members.map((m) => `${m.name}=${m.url}`).join(','),
        ...env
      }
    })
    return port
  }

  async stop (): Promise<void> {
    await this.processes.stop()
  }
}
