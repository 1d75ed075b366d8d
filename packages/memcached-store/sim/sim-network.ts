// The simulated network between the store nodes and the simulated servers:
// one link per node and server (memcache-client keeps one connection each),
// replies in order on a link as TCP gives them, each command's latency drawn
// from the seed, and the faults:
// - kill / start: a killed server refuses connections, and drops what it had
//   not executed; it starts again empty, as a new process;
// - freeze / thaw: commands wait unexecuted (SIGSTOP), then run in order;
// - slow: every command of that server takes the given latency;
// - drop: commands run but their replies are lost, and when the drop ends
//   the connections are reset, failing what was still owed;
// - cut / heal: one node's link to one server carries nothing, and what was
//   sent meanwhile arrives when it heals (TCP retransmits).
import type { CasValue, CommandChannel, FlushAt, Reply } from '../src/connection/command-channel.js'
import { storeError } from '../src/errors.js'
import { parseMetadumpLine, type DumpedKey } from '../src/connection/metadump.js'
import type { Prng } from './prng.js'
import { requestContext } from './request-context.js'
import type { SimClock } from './sim-clock.js'
import { SimServer } from './sim-server.js'

interface Pending {
  command: string
  resolve: (text: string) => void
  reject: (err: Error) => void
  /** the request that sent it, and when */
  request: number | undefined
  sentAt: number
}

/** A wait the connection gave up on: the request, the server, and from when (its send, or the server's last reply to that node after it) to when. */
export interface AbandonedWait {
  readonly request: number
  readonly server: string
  readonly timeoutMs: number
  readonly from: number
  readonly to: number
}

class Host {
  state: 'running' | 'dead' | 'frozen' = 'running'
  slowMs: number | undefined
  dropping = false
  readonly links = new Set<Link>()
  constructor (readonly server: SimServer) {}
}

class Link {
  cut = false
  /** when the last reply on this link arrives: replies stay in order */
  lastReplyAt = 0
  /** when the node last received a reply on this link: the server is silent to it since then */
  lastDeliveredAt = 0
  /** commands waiting for the server or the link (frozen, cut) */
  held: Pending[] = []
  /** commands run whose replies were dropped */
  lost: Pending[] = []
  constructor (readonly node: number, readonly host: Host) {}
}

export class SimNetwork {
  private readonly hosts = new Map<string, Host>()
  private readonly links = new Map<string, Link>()
  private nextPid = 1000
  readonly abandoned: AbandonedWait[] = []
  /** commands sent, for the trace's counts */
  commands = 0

  constructor (private readonly clock: SimClock, private readonly prng: Prng, private readonly baseLatencyMs: number) {}

  addServer (id: string): SimServer {
    const server = new SimServer(id, () => this.clock.now, Math.floor(this.clock.epochMs / 1000), this.nextPid++)
    this.hosts.set(id, new Host(server))
    return server
  }

  server (id: string): SimServer {
    return this.host(id).server
  }

  private host (id: string): Host {
    const host = this.hosts.get(id)
    if (host === undefined) throw new Error(`no simulated server ${id}`)
    return host
  }

  private link (node: number, serverId: string): Link {
    const key = `${node}>${serverId}`
    let link = this.links.get(key)
    if (link === undefined) {
      const host = this.host(serverId)
      link = new Link(node, host)
      host.links.add(link)
      this.links.set(key, link)
    }
    return link
  }

  /** The channel a node's store uses for one server. */
  channel (node: number, serverId: string, timeoutMs: number): CommandChannel {
    const sent = new WeakMap<Promise<Reply>, Pending>()
    return {
      send: (command: string, _flushAt: FlushAt) => {
        let pending!: Pending
        const text = new Promise<string>((resolve, reject) => {
          pending = { command, resolve, reject, request: requestContext.getStore(), sentAt: this.clock.now }
        })
        this.commands++
        this.transmit(this.link(node, serverId), pending)
        const reply = text.then(parseReply)
        sent.set(reply, pending)
        return reply
      },
      listKeys: async (listTimeoutMs: number) => await this.listKeys(this.link(node, serverId), listTimeoutMs),
      abandoned: (reply) => {
        const p = sent.get(reply)
        const from = Math.max(p?.sentAt ?? 0, this.link(node, serverId).lastDeliveredAt)
        if (p?.request !== undefined) this.abandoned.push({ request: p.request, server: serverId, timeoutMs, from, to: this.clock.now })
      },
      close: () => {}
    }
  }

  private latency (host: Host): number {
    return host.slowMs ?? this.baseLatencyMs * (0.25 + this.prng.next() * 1.5)
  }

  /** Sends a command over a link: it reaches the server after half the latency. */
  private transmit (link: Link, p: Pending): void {
    const host = link.host
    if (host.state === 'dead') {
      this.clock.schedule(this.latency(host), () => { p.reject(new Error(`connect ECONNREFUSED ${host.server.name}`)) })
      return
    }
    this.clock.schedule(this.latency(host) / 2, () => { this.arrive(link, p) })
  }

  private arrive (link: Link, p: Pending): void {
    const host = link.host
    if (host.state === 'dead') {
      p.reject(new Error(`read ECONNRESET ${host.server.name}`))
      return
    }
    if (host.state === 'frozen' || link.cut || link.held.length > 0) {
      link.held.push(p)
      return
    }
    this.execute(link, p)
  }

  private execute (link: Link, p: Pending): void {
    const host = link.host
    const reply = host.server.execute(p.command)
    if (host.dropping) {
      link.lost.push(p)
      return
    }
    const at = Math.max(link.lastReplyAt, this.clock.now + this.latency(host) / 2)
    link.lastReplyAt = at
    this.clock.schedule(at - this.clock.now, () => {
      link.lastDeliveredAt = this.clock.now
      p.resolve(reply)
    })
  }

  /** Runs what a link holds, in order, once neither the server nor the link stops it. */
  private release (link: Link): void {
    if (link.host.state !== 'running' || link.cut) return
    const held = link.held
    link.held = []
    for (const p of held) this.execute(link, p)
  }

  private async listKeys (link: Link, timeoutMs: number): Promise<DumpedKey[]> {
    const text = await new Promise<string>((resolve, reject) => {
      const host = link.host
      const name = host.server.name
      if (host.state === 'dead') {
        this.clock.schedule(this.latency(host), () => { reject(storeError('STK_ERR_SERVER_FAILED', `${name} metadump: connect ECONNREFUSED`)) })
        return
      }
      // its own short-lived connection, which gives up after timeoutMs of silence (metadump.ts)
      this.clock.schedule(this.latency(host), () => {
        if (host.state === 'running' && !link.cut && !host.dropping) resolve(host.server.execute('lru_crawler metadump hash\r\n'))
        else this.clock.schedule(timeoutMs, () => { reject(storeError('STK_ERR_STORE_TIMEOUT', `${name} went silent during metadump`)) })
      })
    })
    return text.split('\n').map((line) => parseMetadumpLine(line.replace(/\r$/, ''))).filter((e): e is DumpedKey => e !== undefined)
  }

  kill (id: string): void {
    const host = this.host(id)
    host.state = 'dead'
    for (const link of host.links) {
      for (const p of [...link.held, ...link.lost]) p.reject(new Error(`read ECONNRESET ${id}`))
      link.held = []
      link.lost = []
    }
  }

  start (id: string): void {
    const host = this.host(id)
    host.server.restart(this.nextPid++)
    host.state = 'running'
  }

  freeze (id: string): void {
    const host = this.host(id)
    if (host.state === 'running') host.state = 'frozen'
  }

  thaw (id: string): void {
    const host = this.host(id)
    if (host.state !== 'frozen') return
    host.state = 'running'
    for (const link of host.links) this.release(link)
  }

  slow (id: string, latencyMs: number | undefined): void {
    this.host(id).slowMs = latencyMs
  }

  drop (id: string, on: boolean): void {
    const host = this.host(id)
    host.dropping = on
    if (on) return
    // the connections are reset: what was owed fails, as a closed socket fails it
    for (const link of host.links) {
      for (const p of link.lost) p.reject(new Error(`read ECONNRESET ${id}`))
      link.lost = []
    }
  }

  cut (node: number, id: string, on: boolean): void {
    const link = this.link(node, id)
    link.cut = on
    if (!on) this.release(link)
  }
}

/** memcached's reply text as the channel's Reply; an error line rejects, as memcache-client rejects it. */
export function parseReply (text: string): Reply {
  if (text.startsWith('VALUE ') || text === 'END\r\n') {
    const items = new Map<string, CasValue>()
    let at = 0
    while (text.startsWith('VALUE ', at)) {
      const eol = text.indexOf('\r\n', at)
      const [, key = '', , bytes = '0', cas = ''] = text.slice(at, eol).split(' ')
      const data = Buffer.from(text.slice(eol + 2), 'utf8')
      const value = data.subarray(0, Number(bytes)).toString('utf8')
      items.set(key, { value, cas })
      at = eol + 2 + value.length + 2
    }
    return { kind: 'values', items }
  }
  if (text.startsWith('STAT ')) {
    const stats = new Map<string, string>()
    for (const line of text.split('\r\n')) {
      const [word, name = '', value = ''] = line.split(' ')
      if (word === 'STAT') stats.set(name, value)
    }
    return { kind: 'stats', stats }
  }
  const line = text.slice(0, text.indexOf('\r\n'))
  if (/^\d+$/.test(line)) return { kind: 'number', value: Number(line) }
  if (/^(SERVER_ERROR|CLIENT_ERROR|ERROR)/.test(line)) throw new Error(line)
  return { kind: 'word', word: line }
}
