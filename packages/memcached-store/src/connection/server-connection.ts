// One memcached server's connection: every command's life (sent corked,
// raced against the server's timeout, its reply read as an outcome). It runs
// past 300 lines because each command kind (gets, multi-get, set, add, cas,
// incr, delete, stats, metadump) is a short method over one `run`; apart,
// they would scatter that one lifecycle.
import { ClientChannel, MAX_LAG_GRACE } from './client-channel.js'
import { AuthFailure } from './client-send.js'
import type { CasValue, CommandChannel, FlushAt, Reply } from './command-channel.js'
import { StoreError, storeError } from '../errors.js'
import type { DumpedKey } from './metadump.js'
import type { ResolvedServer } from '../options/options.js'
import { GetBatcher, Silenced } from './get-batcher.js'
import { HedgeWatch, ranLate } from './hedge-watch.js'
import { ServerHealth, type ServerIdentity } from '../policy/server-health.js'
import { Silence } from '../policy/silence.js'
import { isTlsFailure } from '../options/tls-options.js'
import { noTracing, type StoreTracer } from '../tracing/store-tracer.js'

export type { CasValue }
export { Silenced }

/** memcached's answers to a conditional store that are not failures of the server. */
export type StoreOutcome = 'stored' | 'exists' | 'not_found' | 'not_stored'

/**
 * memcached's answers when it has no room for one item: it could not evict
 * enough (a slab class without pages, `-M`) or the item is over its `-I`.
 * The server is alive and serves every other key, so this is not a failure
 * of the server: taking it down would refill it, which only adds pressure.
 */
const REFUSAL = /^SERVER_ERROR (out of memory|object too large)/

const OUTCOME_BY_WORD: Record<string, StoreOutcome> = {
  STORED: 'stored',
  EXISTS: 'exists',
  NOT_FOUND: 'not_found',
  NOT_STORED: 'not_stored'
}

// memcache-client picks a random server per command when given several, with
// no hashing and no replication, so the store keeps one channel per server and
// replicates itself. Its own command timeout is checked on a coarse interval
// (up to 250 ms late) and its connect timeout is off by default, so every
// command here also races a timer of exactly the server's timeout, counted
// from when the server fell silent (see silence.ts): a command sent to a
// server that already owes a reply waits only what is left of that timeout.
// The channel (command-channel.ts) is the seam where the simulation's
// servers stand in for sockets; everything above it runs as in production.
export class ServerConnection {
  readonly health: ServerHealth
  private readonly channel: CommandChannel
  private readonly batcher = new GetBatcher((keys) => this.getsMany(keys), (silentMs) => this.watchOf(silentMs))
  private closed = false
  /** Commands owed a reply and when this server last answered anything: a server that answers is not frozen. */
  private readonly silence = new Silence()
  /** The hedged reads watching this server, by how long a silence they wait for (in practice one). */
  private readonly hedgeWatches = new Map<number, HedgeWatch>()
  /** Items this server refused for want of memory (see REFUSAL). */
  refusedItems = 0
  /**
   * Commands that timed out having been sent while this server was already
   * silent: they waited only the rest of the timeout counted from that
   * silence, not a full timeout of their own.
   */
  boundedWaits = 0

  constructor (
    readonly server: ResolvedServer,
    private readonly onFailure: (conn: ServerConnection, err: StoreError) => void,
    channel?: CommandChannel,
    private readonly tracer: StoreTracer = noTracing
  ) {
    this.health = new ServerHealth(server.retryIntervalMs)
    this.channel = channel ?? new ClientChannel(server)
  }

  get id (): string {
    return this.server.id
  }

  get weight (): number {
    return this.server.weight
  }

  /** How long this server has owed a reply and said nothing (0 when it owes none): see skip-watch.ts. */
  get silentForMs (): number {
    return this.silence.silentFor()
  }

  /** `refusedKey`: a storage command's key, deleted on this server if it refuses the item. */
  private run<T> (what: string, op: () => Promise<T>, refusedKey?: string, onGiveUp?: () => void): Promise<T> {
    if (this.closed) return Promise.reject(storeError('STK_ERR_CLOSED', this.id))
    const timeoutMs = this.server.timeoutMs
    return new Promise<T>((resolve, reject) => {
      let settled = false
      const startedAt = performance.now()
      const { id, deadline } = this.silence.send(timeoutMs)
      let dueAt = deadline.at
      const fail = (): void => {
        if (settled) return
        settled = true
        this.silence.settled(id)
        if (deadline.inherited) this.boundedWaits++
        onGiveUp?.()
        const err = storeError('STK_ERR_STORE_TIMEOUT', deadline.inherited
          ? `${what} on ${this.id} got no reply: the server had said nothing for ${timeoutMs} ms`
          : `${what} on ${this.id} took longer than ${timeoutMs} ms`)
        this.onFailure(this, err)
        reject(err)
      }
      const onTimer = (): void => {
        if (settled) return
        // A timer that runs late means this process's event loop was busy
        // (a burst of large sessions, say), not that the server was slow: the
        // reply may be waiting in the socket. While the loop stays that busy,
        // the command gets another period, up to MAX_LAG_GRACE periods in all,
        // instead of taking a healthy server down for retry_interval. With a
        // loop on time, a silent server fails at exactly its timeout.
        // Likewise when the server answered another command within the last
        // period: it is alive, and this command waits behind its replies.
        const now = performance.now()
        const late = ranLate(now, dueAt, timeoutMs)
        if ((late || now - this.silence.lastReplyAt < timeoutMs) && now - startedAt < timeoutMs * MAX_LAG_GRACE) {
          // A late loop gets a whole period of grace. A server that answered
          // since the deadline was set has been silent only since that
          // answer, and fails a timeout after it: not a whole period from
          // now, which let a request wait twice the timeout (the simulation
          // found it: a deadline inherited from a silence that a reply ended).
          dueAt = late ? now + timeoutMs : (this.silence.silentSince() ?? now) + timeoutMs
          timer = setTimeout(onTimer, Math.max(0, dueAt - now))
          timer.unref()
          return
        }
        // Timers run before I/O in a loop turn: let a reply that has arrived be read first.
        setImmediate(fail)
      }
      // unref'd: an app's own call keeps the process alive (process-hold.ts), background work does not
      let timer = setTimeout(onTimer, Math.max(0, dueAt - startedAt))
      timer.unref()
      let pending: Promise<T>
      try {
        pending = op()
      } catch (err) {
        pending = Promise.reject(err instanceof Error ? err : new Error(String(err)))
      }
      pending.then((value) => {
        this.silence.replied()
        this.silence.settled(id)
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(value)
      }, (err: unknown) => {
        this.silence.settled(id)
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (err instanceof Error && REFUSAL.test(err.message)) {
          this.silence.replied()
          this.refusedItems++
          const refused = storeError('STK_ERR_ITEM_REFUSED', `${what} on ${this.id}: ${err.message}`, err)
          if (refusedKey === undefined) {
            reject(refused)
            return
          }
          // memcached drops the old copy itself only when a `set` finds no
          // room, not an `add` or a `cas`. A server that refused a write must
          // hold no older value of the key, or the next read would find that
          // value there and miss the write the peers took. A delete needs no
          // memory; if it fails too, that failure marks the server down.
          this.delete(refusedKey).then(() => { reject(refused) }, reject)
          return
        }
        const detail = `${what} on ${this.id}: ${(err as Error)?.message ?? String(err)}`
        const wrapped = err instanceof AuthFailure
          ? storeError('STK_ERR_AUTH_FAILED', detail, err)
          : this.server.tls !== undefined && isTlsFailure(err)
            ? storeError('STK_ERR_TLS', detail, err)
            : storeError('STK_ERR_SERVER_FAILED', detail, err)
        this.onFailure(this, wrapped)
        reject(wrapped)
      })
    })
  }

  /** One key's value and cas token; joins the other gets of this event-loop turn in one command. */
  gets (key: string): Promise<CasValue | undefined> {
    // not hedged: never Silenced
    return this.getsHedged(key, 0) as Promise<CasValue | undefined>
  }

  /**
   * As gets, or Silenced once the server has said nothing at all for
   * `silentMs` while it owed a reply: no reply to this command nor to any
   * other. The silence may have begun before this command (another request's
   * command is still unanswered): then it is passed over that much sooner. A
   * server that answers other commands is alive and this reply waits behind
   * theirs; a timer that ran late means our own loop was busy (the reply may
   * be unread in the socket): both wait another period. The command runs on
   * either way (Silenced.pending), so a silent server still fails at its
   * timeout and is marked down. `silentMs` 0: not hedged.
   */
  getsHedged (key: string, silentMs: number): Promise<CasValue | undefined | Silenced> {
    // the command event goes out once per caller, the span once per multi-get (send())
    const finish = this.tracer.finisher(this.server, 'gets')
    const got = this.batcher.get(key, silentMs)
    if (finish === undefined) return got
    // the callbacks run in the caller's async context, where its event must go out
    return got.then((item) => {
      if (item instanceof Silenced) item.pending.then(() => { finish(false) }, () => { finish(true) })
      else finish(false)
      return item
    }, (err: unknown) => {
      finish(true)
      throw err
    })
  }

  private watchOf (silentMs: number): HedgeWatch {
    let watch = this.hedgeWatches.get(silentMs)
    if (watch === undefined) {
      watch = new HedgeWatch(this.silence, silentMs)
      this.hedgeWatches.set(silentMs, watch)
    }
    return watch
  }

  /** Sends one command line (and data block) on the channel, which parses the reply. */
  private send (what: string, data: string, flushAt: FlushAt = 'immediate', refusedKey?: string): Promise<Reply> {
    let sent: Promise<Reply> | undefined
    // a multi-get's event goes out from each of its callers instead (getsHedged)
    const end = this.tracer.command(this.server, what, what !== 'gets')
    const reply = this.run<Reply>(what, () => (sent = this.channel.send(data, flushAt)), refusedKey, () => {
      if (sent !== undefined) this.channel.abandoned?.(sent)
    })
    return end === undefined ? reply : end(reply)
  }

  async getsMany (keys: readonly string[]): Promise<ReadonlyMap<string, CasValue>> {
    if (keys.length === 0) return new Map()
    const r = await this.send('gets', `gets ${keys.join(' ')}\r\n`, 'tick')
    return r.kind === 'values' ? r.items : new Map()
  }

  /**
   * A storage command as the protocol spells it. Flag 0 is memcache-client's
   * "string", so values read back through it as strings.
   */
  private async store (cmd: 'set' | 'add' | 'cas', key: string, value: string, ttlS: number, cas?: string): Promise<StoreOutcome> {
    // one string, encoded once by the socket: cheaper than building buffers
    const bytes = Buffer.byteLength(value, 'utf8')
    const r = await this.send(cmd, `${cmd} ${key} 0 ${ttlS} ${bytes}${cas === undefined ? '' : ` ${cas}`}\r\n${value}\r\n`, 'immediate', key)
    return (r.kind === 'word' ? OUTCOME_BY_WORD[r.word] : undefined) ?? 'stored'
  }

  async set (key: string, value: string, ttlS: number): Promise<StoreOutcome> {
    await this.store('set', key, value, ttlS)
    return 'stored'
  }

  async add (key: string, value: string, ttlS: number): Promise<StoreOutcome> {
    const r = await this.store('add', key, value, ttlS)
    return r === 'not_stored' ? 'not_stored' : 'stored'
  }

  async cas (key: string, value: string, ttlS: number, cas: string): Promise<StoreOutcome> {
    const r = await this.store('cas', key, value, ttlS, cas)
    return r === 'exists' || r === 'not_found' ? r : 'stored'
  }

  async touch (key: string, ttlS: number): Promise<boolean> {
    const r = await this.send('touch', `touch ${key} ${ttlS}\r\n`)
    return !(r.kind === 'word' && r.word === 'NOT_FOUND')
  }

  async incr (key: string, by: number): Promise<number | undefined> {
    const r = await this.send('incr', `incr ${key} ${by}\r\n`)
    return r.kind === 'number' ? r.value : undefined
  }

  async delete (key: string): Promise<void> {
    await this.send('delete', `delete ${key}\r\n`)
  }

  async identity (): Promise<ServerIdentity> {
    const r = await this.send('stats', 'stats\r\n')
    const stats = r.kind === 'stats' ? r.stats : new Map<string, string>()
    return { pid: stats.get('pid') ?? '?', uptimeS: Number(stats.get('uptime') ?? 0) }
  }

  async listKeys (): Promise<DumpedKey[]> {
    try {
      return await this.channel.listKeys(Math.max(this.server.timeoutMs, 1000))
    } catch (err) {
      if (err instanceof StoreError) this.onFailure(this, err)
      throw err
    }
  }

  close (): void {
    this.closed = true
    this.channel.close()
  }
}
