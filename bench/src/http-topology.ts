// The processes of the HTTP benchmark, all on free loopback ports:
//
//   memcached-a, memcached-b          the session servers
//   hello-1..3                        bare Fastify /hello servers (the baseline)
//   web-1..3                          web nodes, sessions on both servers (2 replicas)
//   web-solo                          a web node with memcached-a only (1 replica)
//   web-before, web-solo-before       with beforeDir: web-1's and web-solo's twins
//                                     running the web node of another checkout
//   lb-hello, lb-web                  our LB (services/lb) over hello-1..3 / web-1..3
//   lb-2w-hello, lb-2w-web            the same with LB_WORKERS=2 (a primary and two workers each)
//   nginx, haproxy                    the peers, each with one port per group
//   bare-proxy                        a bare http-proxy round robin (a reference)
//   reply-from                        Fastify + @fastify/reply-from (undici), the Node peer
//
// Everything is started by start() and stopped by stop(), by PID.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, probeHttp } from '@stickless/scripts/cluster'
import { BenchProcesses } from './bench-processes.js'
import { startHaproxy, startNginx } from './peer-proxies.js'
import { memcachedArgs } from '@stickless/test-support'
import { WEB_MAIN_PATH } from './bench-args.js'

export const ROOT_DIR = fileURLToPath(new URL('../../../', import.meta.url))
const WEB_MAIN = join(ROOT_DIR, WEB_MAIN_PATH)
const LB_MAIN = `${ROOT_DIR}services/lb/dist/src/main.js`
const HELLO_MAIN = fileURLToPath(new URL('hello-server.js', import.meta.url))
const BARE_PROXY_MAIN = fileURLToPath(new URL('bare-proxy.js', import.meta.url))
const REPLY_FROM_MAIN = fileURLToPath(new URL('reply-from-proxy.js', import.meta.url))

/** What the contract's example says: 1 s timeout, 15 s retry interval. */
export const SESSION_TIMEOUT_S = 1
export const SESSION_RETRY_INTERVAL_S = 15

export type ProxyName = 'lb' | 'lb-2w' | 'nginx' | 'haproxy' | 'bare-proxy' | 'reply-from'
export const PROXIES: readonly ProxyName[] = ['lb', 'lb-2w', 'nginx', 'haproxy', 'bare-proxy', 'reply-from']

/** The processes that do a proxy's work, for CPU accounting (a process's children count: nginx's and our LB's workers). */
export function proxyProcess (proxy: ProxyName, group: 'hello' | 'web'): string {
  return proxy === 'lb' || proxy === 'lb-2w' ? `${proxy}-${group}` : proxy
}

export interface Endpoint {
  name: string
  url: string
}

export interface TopologyOptions {
  /** Extra node flags per process name, e.g. --cpu-prof for a profile run. */
  nodeArgs?: (name: string) => string[]
  /** Proxies to start. Default: our LB at 1 worker, nginx, HAProxy and the bare http-proxy. */
  proxies?: readonly ProxyName[]
  /** Start no memcached, web nodes or web-solo: the /hello group only (the proxy comparison). */
  helloOnly?: boolean
  /** memcached -m; the 512 KB sessions need room. */
  memcachedMemoryMb?: number
  keepTempDir?: boolean
  /**
   * Another built checkout (`--before DIR`): its web node also runs as
   * web-before (both servers) and web-solo-before (memcached-a only), with
   * the secret and settings of ours, so the same cookies work on both.
   */
  beforeDir?: string
}

export class HttpTopology {
  readonly processes: BenchProcesses
  readonly secret = randomBytes(32).toString('hex')
  readonly memcached: Endpoint[] = []
  readonly hello: Endpoint[] = []
  readonly web: Endpoint[] = []
  webSolo: Endpoint = { name: 'web-solo', url: '' }
  /** With beforeDir: the twins of web-1 and web-solo running the code before. */
  webBefore: Endpoint | undefined
  webSoloBefore: Endpoint | undefined
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
    const helloOnly = this.options.helloOnly ?? false
    const wanted = new Set<ProxyName>(this.options.proxies ?? ['lb', 'nginx', 'haproxy', 'bare-proxy'])
    if (!helloOnly) {
      for (const name of ['memcached-a', 'memcached-b']) {
        const port = await freePort()
        // memcached's default 4 threads, as the figures in RESULTS.md were measured with
        p.start({ name, tier: 0, command: 'memcached', args: memcachedArgs(port, { memoryMb: this.options.memcachedMemoryMb ?? 2048, maxConnections: 4096, threads: 4 }) })
        this.memcached.push({ name, url: `127.0.0.1:${port}` })
        await p.waitForMemcached(name, port)
      }
    }

    for (let i = 1; i <= 3; i++) {
      const name = `hello-${i}`
      const port = await freePort()
      p.start({ name, tier: 1, command: process.execPath, args: [...nodeArgs(name), HELLO_MAIN], env: { PORT: String(port), NODE_NAME: name } })
      this.hello.push({ name, url: `http://127.0.0.1:${port}` })
    }

    if (!helloOnly) {
      for (let i = 1; i <= 3; i++) this.web.push(await this.startWeb(`web-${i}`, this.memcachedAddresses))
      this.webSolo = await this.startWeb('web-solo', this.memcachedAddresses.slice(0, 1))
      const before = this.options.beforeDir
      if (before !== undefined) {
        const main = join(before, WEB_MAIN_PATH)
        this.webBefore = await this.startWeb('web-before', this.memcachedAddresses, {}, main)
        this.webSoloBefore = await this.startWeb('web-solo-before', this.memcachedAddresses.slice(0, 1), {}, main)
      }
    }
    for (const e of [...this.hello, ...this.web, ...(helloOnly ? [] : [this.webSolo]), ...this.beforeNodes]) await p.waitForHttp(e.name, `${e.url}/healthz`)
    log(helloOnly ? 'hello servers are up' : `hello servers, web nodes and web-solo${this.beforeNodes.length > 0 ? ` and the code before's ${this.beforeNodes.map((e) => e.name).join(', ')}` : ''} are up (logs in ${p.dir}/logs)`)

    // With helloOnly every proxy's "web" port fronts the hello servers too (unused).
    const webGroup = helloOnly ? this.hello : this.web
    const url = (port: number): string => `http://127.0.0.1:${port}`
    if (wanted.has('lb')) {
      const ports = { hello: await this.startLb('lb-hello', this.hello), web: await this.startLb('lb-web', webGroup) }
      this.proxies.set('lb', { hello: url(ports.hello), web: url(ports.web) })
    }
    if (wanted.has('lb-2w')) {
      const env = { LB_WORKERS: '2' }
      const ports = { hello: await this.startLb('lb-2w-hello', this.hello, env), web: await this.startLb('lb-2w-web', webGroup, env) }
      this.proxies.set('lb-2w', { hello: url(ports.hello), web: url(ports.web) })
    }

    const backends = { hello: this.hello.map((e) => e.url.slice('http://'.length)), web: webGroup.map((e) => e.url.slice('http://'.length)) }
    if (wanted.has('nginx')) {
      const ports = { hello: await freePort(), web: await freePort() }
      startNginx(p, ports, backends)
      this.proxies.set('nginx', { hello: url(ports.hello), web: url(ports.web) })
    }
    if (wanted.has('haproxy')) {
      const ports = { hello: await freePort(), web: await freePort() }
      startHaproxy(p, ports, backends)
      this.proxies.set('haproxy', { hello: url(ports.hello), web: url(ports.web) })
    }
    for (const [proxy, main] of [['bare-proxy', BARE_PROXY_MAIN], ['reply-from', REPLY_FROM_MAIN]] as const) {
      if (!wanted.has(proxy)) continue
      const ports = { hello: await freePort(), web: await freePort() }
      p.start({
        name: proxy,
        tier: 2,
        command: process.execPath,
        args: [...nodeArgs(proxy), main],
        env: {
          HELLO_PORT: String(ports.hello),
          WEB_PORT: String(ports.web),
          HELLO_TARGETS: this.hello.map((e) => e.url).join(','),
          WEB_TARGETS: webGroup.map((e) => e.url).join(',')
        }
      })
      this.proxies.set(proxy, { hello: url(ports.hello), web: url(ports.web) })
    }

    // Ready when each proxy has sent a request to every node of both groups.
    for (const [proxy, urls] of this.proxies) {
      for (const [group, members] of [['hello', this.hello], ['web', webGroup]] as const) {
        const name = proxyProcess(proxy, group)
        const seen = new Set<string>()
        await p.waitFor(name, `every ${group} node behind ${proxy}`, async () => {
          const r = await probeHttp(`${urls[group]}/healthz`, 500)
          if (r?.status === 200 && r.servedBy !== undefined) seen.add(r.servedBy)
          return seen.size === members.length
        }, 30_000)
      }
    }
    log(`${[...this.proxies.keys()].join(', ')} have every node in rotation`)
  }

  /** web-before and web-solo-before when started, else none. */
  get beforeNodes (): Endpoint[] {
    return [this.webBefore, this.webSoloBefore].filter((e): e is Endpoint => e !== undefined)
  }

  /** Starts a web node (not waiting for it); `env` adds to or overrides the defaults; `main` is another checkout's web node. */
  async startWeb (name: string, servers: readonly string[], env: Record<string, string> = {}, main = WEB_MAIN): Promise<Endpoint> {
    const port = await freePort()
    this.processes.start({
      name,
      tier: 1,
      command: process.execPath,
      args: [...(this.options.nodeArgs?.(name) ?? []), main],
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
