import { MemcacheClient, type MultiCasRetrievalResponse } from 'memcache-client'
import { StoreError, storeError } from './errors.js'
import { metadump, type DumpedKey } from './metadump.js'
import type { ResolvedServer } from './options.js'
import { ServerHealth, type ServerIdentity } from './server-health.js'

export interface CasValue {
  value: string
  cas: string
}

/** memcached's answers to a conditional store that are not failures of the server. */
export type StoreOutcome = 'stored' | 'exists' | 'not_found' | 'not_stored'

const OUTCOME_BY_REPLY: Record<string, StoreOutcome> = {
  EXISTS: 'exists',
  NOT_FOUND: 'not_found',
  NOT_STORED: 'not_stored'
}

// memcache-client picks a random server per command when given several, with
// no hashing and no replication, so the store keeps one client per server and
// replicates itself. Its own command timeout is checked on a coarse interval
// (up to 250 ms late) and its connect timeout is off by default, so every
// command here also races a timer of exactly the server's timeout.
export class ServerConnection {
  readonly health: ServerHealth
  private readonly client: MemcacheClient
  private closed = false

  constructor (
    readonly server: ResolvedServer,
    private readonly onFailure: (conn: ServerConnection, err: StoreError) => void
  ) {
    this.health = new ServerHealth(server.retryIntervalMs)
    this.client = new MemcacheClient({
      server: { server: `${server.host}:${server.port}`, maxConnections: 1 },
      cmdTimeout: server.timeoutMs,
      connectTimeout: server.connectTimeoutMs,
      noDelay: true,
      keepAlive: 30_000,
      // values are always strings we encoded; never let the client compress
      compressor: undefined
    })
  }

  get id (): string {
    return this.server.id
  }

  get weight (): number {
    return this.server.weight
  }

  private run<T> (what: string, op: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(storeError('STK_ERR_CLOSED', this.id))
    return new Promise<T>((resolve, reject) => {
      let settled = false
      const timer = setTimeout(() => {
        if (settled) return
        settled = true
        const err = storeError('STK_ERR_STORE_TIMEOUT', `${what} on ${this.id} took longer than ${this.server.timeoutMs} ms`)
        this.onFailure(this, err)
        reject(err)
      }, this.server.timeoutMs)
      let pending: Promise<T>
      try {
        pending = op()
      } catch (err) {
        pending = Promise.reject(err)
      }
      pending.then((value) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(value)
      }, (err: unknown) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        const reply = replyOf(err)
        if (reply !== undefined && reply in OUTCOME_BY_REPLY) {
          // a normal answer, surfaced by the client as an error
          resolve(OUTCOME_BY_REPLY[reply] as T)
          return
        }
        const wrapped = storeError('STK_ERR_SERVER_FAILED', `${what} on ${this.id}: ${(err as Error)?.message ?? String(err)}`, err)
        this.onFailure(this, wrapped)
        reject(wrapped)
      })
    })
  }

  async gets (key: string): Promise<CasValue | undefined> {
    const r = await this.run('gets', () => this.client.gets<string>(key))
    return r === undefined ? undefined : { value: r.value, cas: String(r.casUniq) }
  }

  async getsMany (keys: readonly string[]): Promise<Map<string, CasValue>> {
    const out = new Map<string, CasValue>()
    if (keys.length === 0) return out
    type Many = MultiCasRetrievalResponse<string>
    const r = await this.run<Many>('gets', () => this.client.gets<Many>([...keys]) as Promise<Many>)
    for (const [k, v] of Object.entries(r ?? {})) {
      if (v !== undefined) out.set(k, { value: v.value, cas: String(v.casUniq) })
    }
    return out
  }

  async set (key: string, value: string, ttlS: number): Promise<StoreOutcome> {
    await this.run('set', () => this.client.set(key, value, { lifetime: ttlS }))
    return 'stored'
  }

  async add (key: string, value: string, ttlS: number): Promise<StoreOutcome> {
    const r = await this.run<unknown>('add', () => this.client.add(key, value, { lifetime: ttlS }))
    return r === 'not_stored' ? 'not_stored' : 'stored'
  }

  async cas (key: string, value: string, ttlS: number, cas: string): Promise<StoreOutcome> {
    const r = await this.run<unknown>('cas', () => this.client.cas(key, value, { lifetime: ttlS, casUniq: cas }))
    return typeof r === 'string' && (r === 'exists' || r === 'not_found') ? r : 'stored'
  }

  async touch (key: string, ttlS: number): Promise<boolean> {
    const r = await this.run<unknown>('touch', () => this.client.touch(key, ttlS))
    return r !== 'not_found'
  }

  async incr (key: string, by: number): Promise<number | undefined> {
    const r = await this.run<unknown>('incr', () => this.client.incr(key, by))
    return r === 'not_found' ? undefined : Number(r)
  }

  async delete (key: string): Promise<void> {
    await this.run('delete', () => this.client.delete(key))
  }

  async identity (): Promise<ServerIdentity> {
    const r = await this.run('stats', () => this.client.cmd<{ STAT?: string[][] }>('stats'))
    const stats = new Map((r?.STAT ?? []).map((row) => [row[0], row[1]]))
    return { pid: stats.get('pid') ?? '?', uptimeS: Number(stats.get('uptime') ?? 0) }
  }

  async listKeys (): Promise<DumpedKey[]> {
    try {
      return await metadump(this.server.host, this.server.port, Math.max(this.server.timeoutMs, 1000))
    } catch (err) {
      if (err instanceof StoreError) this.onFailure(this, err)
      throw err
    }
  }

  close (): void {
    this.closed = true
    this.client.shutdown()
  }
}

function replyOf (err: unknown): string | undefined {
  if (err instanceof Error) {
    const tokens = (err as Error & { cmdTokens?: string[] }).cmdTokens
    return tokens?.[0] ?? err.message.split(' ')[0]
  }
  return undefined
}
