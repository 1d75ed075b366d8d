// The real command channel: memcache-client on one TCP or TLS connection per
// server, commands written corked (corked-write.ts), credentials sent first on
// every new connection (client-send.ts), and the metadump on a socket of its
// own (metadump.ts). It turns memcache-client's reply shapes into Reply.
import type { Socket } from 'node:net'
import { MemcacheClient, type MultiCasRetrievalResponse } from 'memcache-client'
import type { CasValue, CommandChannel, FlushAt, Reply } from './command-channel.js'
import { wrapSend } from './client-send.js'
import { corkedWrite } from './corked-write.js'
import { metadump, type DumpedKey } from './metadump.js'
import type { ResolvedServer } from '../options/options.js'

/** memcached's answers that memcache-client surfaces as errors, though the server is fine. */
const ANSWER_WORDS = new Set(['EXISTS', 'NOT_FOUND', 'NOT_STORED'])

/** Periods of its timeout a command may be given while this process's own event loop lags (server-connection.ts). */
export const MAX_LAG_GRACE = 10

export class ClientChannel implements CommandChannel {
  private readonly client: MemcacheClient

  constructor (private readonly server: ResolvedServer) {
    this.client = new MemcacheClient({
      server: { server: `${server.host}:${server.port}`, maxConnections: 1 },
      // the connection's own timer (server-connection.ts) decides when a command failed; the client's is a backstop
      cmdTimeout: server.timeoutMs * (MAX_LAG_GRACE + 1),
      connectTimeout: server.connectTimeoutMs,
      noDelay: true,
      keepAlive: 30_000,
      // values are always strings we encoded; never let the client compress
      compressor: undefined,
      // memcache-client connects with tls.connect({ host, port, ...tls }) when given this
      ...(server.tls === undefined ? {} : { tls: { ...server.tls } })
    })
    wrapSend(this.client, server.auth)
  }

  async send (command: string, flushAt: FlushAt): Promise<Reply> {
    const verb = command.slice(0, command.indexOf(' ') === -1 ? command.length : command.indexOf(' ')).trim()
    if (verb === 'stats') {
      const r = await this.client.cmd<{ STAT?: string[][] }>('stats')
      return { kind: 'stats', stats: new Map((r?.STAT ?? []).map((row) => [row[0] ?? '', row[1] ?? ''])) }
    }
    let r: unknown
    try {
      r = await this.client.send<unknown>((socket?: Socket) => { corkedWrite(socket, command, flushAt) })
    } catch (err) {
      const word = wordOf(err)
      if (word !== undefined && ANSWER_WORDS.has(word)) return { kind: 'word', word }
      throw err
    }
    if (verb === 'gets' || verb === 'get') {
      const items = new Map<string, CasValue>()
      const found = (r ?? {}) as MultiCasRetrievalResponse<string>
      // a prototype-less object (client-send.ts): every key is the reply's own
      for (const k in found) {
        const v = found[k]
        if (v !== undefined) items.set(k, { value: v.value, cas: String(v.casUniq) })
      }
      return { kind: 'values', items }
    }
    if (verb === 'incr' || verb === 'decr') return { kind: 'number', value: Number(r) }
    return { kind: 'word', word: Array.isArray(r) ? String(r[0]) : String(r) }
  }

  async listKeys (timeoutMs: number): Promise<DumpedKey[]> {
    return await metadump(this.server.host, this.server.port, timeoutMs, 20, { tls: this.server.tls, auth: this.server.auth })
  }

  close (): void {
    this.client.shutdown()
  }
}

function wordOf (err: unknown): string | undefined {
  if (err instanceof Error) {
    const tokens = (err as Error & { cmdTokens?: string[] }).cmdTokens
    return tokens?.[0] ?? err.message.split(' ')[0]
  }
  return undefined
}
