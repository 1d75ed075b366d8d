// Keeping the servers' health true: failures mark a server down, probes bring
// it back (refilled first), and skip markers tell the other web nodes when
// this one writes past a server. When each state applies is server-health.ts
// and skip-watch.ts (pure); this file runs the timers and the I/O.
import type { Emit, StoreCounters } from '../counters.js'
import type { StoreError } from '../errors.js'
import type { KeySpace } from '../record/keys.js'
import type { StoreLogger } from '../options/options.js'
import type { Placement } from '../policy/placement.js'
import type { RecordCodec } from '../record/record-codec.js'
import { refill } from './refill.js'
import type { ServerConnection } from '../connection/server-connection.js'
import { SAFETY_RULES } from '../policy/safety-rules.js'
import { suspect, TickClock, watchIntervalMs } from '../policy/skip-watch.js'
import { noTracing, type StoreTracer } from '../tracing/store-tracer.js'

// How long a node's claim to refill an emptied server holds: if that node dies
// mid-refill, the claim expires and another node takes the work over.
const MARKER_CLAIM_TTL_S = 120

export interface WatchParts {
  readonly placement: Placement<ServerConnection>
  readonly keys: KeySpace
  readonly codec: RecordCodec
  readonly counts: StoreCounters
  readonly emit: Emit
  readonly logger: StoreLogger | undefined
  readonly probeIntervalMs: number
  readonly refillBatchSize: number
  readonly refillConcurrency: number
  /** Spans for refills; default none. */
  readonly tracer?: StoreTracer
}

function ignore (): void {}

export class ServerWatch {
  private readonly conns: readonly ServerConnection[]
  private readonly refilling = new Set<string>()
  private readonly probing = new Set<string>()
  private readonly prober: NodeJS.Timeout
  /** Puts up skip markers for silent servers and looks for other nodes' (skip-watch.ts). */
  private readonly skipWatcher: NodeJS.Timeout
  private readonly skipTicks: TickClock
  private skipCheckRunning = false
  private closed = false

  constructor (private readonly parts: WatchParts) {
    this.conns = parts.placement.servers
    this.prober = setInterval(() => { this.probeAll() }, parts.probeIntervalMs)
    this.prober.unref()
    const watchMs = watchIntervalMs(parts.probeIntervalMs, this.conns.map((c) => c.server.timeoutMs))
    this.skipTicks = new TickClock(watchMs)
    this.skipWatcher = setInterval(() => { this.watchSkips() }, watchMs)
    this.skipWatcher.unref()
  }

  /** A command failed on `conn` (the connection's own report). */
  onServerFailure (conn: ServerConnection, err: StoreError): void {
    if (conn.health.recordFailure(err.message)) {
      this.parts.counts.serverDowns++
      this.parts.logger?.warn({ server: conn.id, err: err.message, retryInMs: conn.server.retryIntervalMs }, 'memcached server marked down')
      this.parts.emit('serverDown', { server: conn.id, reason: err.message })
      this.announceSkip(conn)
    }
  }

  /** True once no refill runs and no server is recovering. */
  get idle (): boolean {
    return this.refilling.size === 0 && this.conns.every((c) => c.health.state !== 'recovering')
  }

  close (): void {
    this.closed = true
    clearInterval(this.prober)
    clearInterval(this.skipWatcher)
  }

  /**
   * Web nodes see failures at different moments. While this node writes past
   * a server, the others must not read from it: it misses those writes. The
   * skip marker on the other servers tells them so, refreshed at every probe
   * while the server stays down here.
   */
  private announceSkip (skipped: ServerConnection): void {
    if (!SAFETY_RULES['skip-markers']) return
    const key = this.parts.keys.skipMarker(skipped.id)
    const ttlS = Math.max(2, Math.ceil(3 * this.parts.probeIntervalMs / 1000))
    for (const other of this.conns) {
      if (other !== skipped && other.health.writable) other.set(key, '1', ttlS).catch(ignore)
    }
  }

  /** True when some node has announced that it writes past this server. */
  private async skippedElsewhere (conn: ServerConnection): Promise<boolean> {
    const witness = this.conns.find((c) => c !== conn && c.health.readable)
    if (witness === undefined) return false
    try {
      return await witness.gets(this.parts.keys.skipMarker(conn.id)) !== undefined
    } catch {
      return false
    }
  }

  /**
   * One tick of the skip watch (skip-watch.ts): warn the other nodes about a
   * server that has gone silent here, before this node marks it down and
   * writes past it; and stop reading a server another node has warned about.
   */
  private watchSkips (): void {
    if (this.closed) return
    const late = this.skipTicks.tickRanLate()
    for (const conn of this.conns) {
      if (!late && conn.health.state !== 'down' && suspect(conn.silentForMs, conn.server.timeoutMs)) this.announceSkip(conn)
    }
    if (this.skipCheckRunning) return
    this.skipCheckRunning = true
    Promise.all(this.conns.filter((c) => c.health.readable).map(async (conn) => {
      if (await this.skippedElsewhere(conn) && conn.health.markRecovering()) this.parts.emit('serverRecovering', { server: conn.id })
    })).catch(ignore).finally(() => { this.skipCheckRunning = false })
  }

  private probeAll (): void {
    if (this.closed) return
    for (const conn of this.conns) {
      if (conn.health.state === 'down') this.announceSkip(conn)
      if (this.probing.has(conn.id)) continue
      if (conn.health.state === 'down' && !conn.health.probeDue()) continue
      this.probing.add(conn.id)
      this.probe(conn).catch(ignore).finally(() => this.probing.delete(conn.id))
    }
  }

  /**
   * One probe: `stats` (a failure marks the server down; a new pid means it
   * restarted), then the filled marker. A server that lost the marker was
   * emptied, perhaps before this node ever saw it; the first node to put the
   * marker back (`add`) refills it. A server that was down may hold stale
   * values: it is read only after its refill (`recovering`).
   */
  private async probe (conn: ServerConnection): Promise<void> {
    let recovering = conn.health.recordProbe(await conn.identity())
    if (conn.health.state === 'up') {
      const marker = this.parts.keys.filledMarker()
      if (await conn.gets(marker) === undefined && await conn.add(marker, 'refilling', MARKER_CLAIM_TTL_S) === 'stored') {
        // Empty, not stale: it holds nothing old, and a miss there falls
        // through to the peers, so it stays up (and first in read order)
        // while it is refilled.
        this.parts.logger?.info({ server: conn.id }, 'memcached server is empty; refilling it from its peers')
        this.startRefill(conn)
      }
    }
    if (conn.health.state !== 'down' && await this.skippedElsewhere(conn)) {
      // another node writes past it: read elsewhere, refill once it stops
      recovering = conn.health.markRecovering() || recovering
      if (recovering) this.parts.emit('serverRecovering', { server: conn.id })
      return
    }
    if (recovering) {
      this.parts.logger?.info({ server: conn.id }, 'memcached server is back or empty; refilling it from its peers')
      this.parts.emit('serverRecovering', { server: conn.id })
    }
    if (conn.health.state === 'recovering') this.startRefill(conn)
  }

  private startRefill (target: ServerConnection): void {
    if (this.refilling.has(target.id) || this.closed) return
    this.refilling.add(target.id)
    this.refillOnce(target).catch((err: Error) => {
      this.parts.logger?.warn({ server: target.id, err: err.message }, 'refill failed; retrying at the next probe')
    }).finally(() => this.refilling.delete(target.id))
  }

  private async refillOnce (target: ServerConnection): Promise<void> {
    const { keys, placement, counts } = this.parts
    const sources = this.conns.filter((c) => c !== target && c.health.writable)
    const report = await (this.parts.tracer ?? noTracing).internal('refill', { 'server.address': target.server.host, 'server.port': target.server.port }, async () => await refill({
      target,
      sources,
      belongsOnTarget: (key) => keys.isReplicated(key) && placement.holdersOf(key).includes(target),
      sourceHolds: (source, key) => placement.holdersOf(key).includes(source),
      codec: this.parts.codec,
      batchSize: this.parts.refillBatchSize,
      concurrency: this.parts.refillConcurrency
    }))
    await target.set(keys.filledMarker(), 'ok', 0)
    // a node that began writing past it during the copy means another round
    if (await this.skippedElsewhere(target)) return
    target.health.recordRefilled()
    counts.refills++
    counts.refilledKeys += report.copied
    this.parts.logger?.info({ ...report }, 'memcached server refilled')
    this.parts.emit('refill', report)
    this.parts.emit('serverUp', { server: target.id })
  }
}
