import cluster, { type Worker } from 'node:cluster'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { PrimaryMessage } from './cluster-messages.js'

/** A worker that dies sooner than this after its start is replaced after this long, so a crash loop does not spin. */
const RESTART_BACKOFF_MS = 1000
/** How long after `shutdownTimeoutMs` a worker that is still draining is killed. */
const KILL_MARGIN_MS = 2000

/** Where the workers listen: they share the port(s), so the first to report speaks for all. */
export interface WorkerAddresses {
  readonly http: AddressInfo
  readonly https: AddressInfo | undefined
}

export interface WorkerPoolOptions {
  /** The script each worker runs (main.js, which sees cluster.isWorker). */
  readonly exec: string
  /** Workers kept running. */
  readonly size: number
  readonly shutdownTimeoutMs: number
  readonly logger: Logger
  /** A worker was forked (a replacement too). */
  readonly onJoin: (worker: Worker) => void
  /** A worker exited, for whatever reason. */
  readonly onLeave: (worker: Worker) => void
}

/**
 * The primary's `size` node:cluster workers: it forks them, replaces one that
 * dies (logged; after RESTART_BACKOFF_MS when it lived less than that), and at
 * shutdown asks each to drain, killing one still running KILL_MARGIN_MS after
 * `shutdownTimeoutMs`. Start-up succeeds once the first `size` workers listen,
 * and fails with the first that cannot or that exits before.
 */
export class WorkerPool {
  private readonly workers = new Map<number, Worker>()
  private readonly startedAt = new Map<number, number>()
  private shuttingDown = false
  private allExited: (() => void) | undefined
  private startup: { listening: number, resolve: () => void, reject: (error: Error) => void } | undefined
  private firstAddresses: WorkerAddresses | undefined

  constructor (private readonly options: WorkerPoolOptions) {
    cluster.setupPrimary({ exec: options.exec })
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal))
  }

  /** Forks the workers; resolves with where they listen once every one does. */
  async start (): Promise<WorkerAddresses> {
    const started = new Promise<void>((resolve, reject) => { this.startup = { listening: 0, resolve, reject } })
    for (let i = 0; i < this.options.size; i++) this.fork()
    await started
    return this.firstAddresses as WorkerAddresses
  }

  /** A worker says it listens. */
  listening (worker: Worker, addresses: WorkerAddresses): void {
    this.firstAddresses ??= addresses
    this.options.logger.info({ worker: worker.id, pid: worker.process.pid }, 'worker listening')
    if (this.startup !== undefined && ++this.startup.listening === this.options.size) {
      this.startup.resolve()
      this.startup = undefined
    }
  }

  /** A worker could not listen (`code`: EADDRINUSE, ...): start-up fails with it; later it is only logged. */
  failed (worker: Worker, code: string | undefined, message: string): void {
    const error = Object.assign(new Error(`worker ${worker.id} could not listen: ${message}`), { code })
    if (this.startup !== undefined) this.startup.reject(error)
    else this.options.logger.error({ worker: worker.id, err: error }, 'worker could not listen')
  }

  /** The workers whose IPC channel is open. */
  connected (): Worker[] {
    return [...this.workers.values()].filter((worker) => worker.isConnected())
  }

  send (worker: Worker, message: PrimaryMessage): void {
    if (worker.isConnected()) worker.send(message, undefined, () => {})
  }

  broadcast (message: PrimaryMessage, except?: Worker): void {
    for (const worker of this.workers.values()) if (worker !== except) this.send(worker, message)
  }

  /** Asks every worker to drain and waits until each has exited; no worker is started any more. */
  async shutdown (): Promise<void> {
    this.shuttingDown = true
    if (this.workers.size === 0) return
    const exited = new Promise<void>((resolve) => { this.allExited = resolve })
    this.broadcast({ kind: 'stickless:shutdown' })
    // A worker drains for up to shutdownTimeoutMs; one that has not exited by the margin after is killed.
    const deadline = setTimeout(() => {
      for (const worker of this.workers.values()) if (worker.process.pid !== undefined) worker.process.kill('SIGKILL')
    }, this.options.shutdownTimeoutMs + KILL_MARGIN_MS)
    deadline.unref()
    await exited
    clearTimeout(deadline)
  }

  private fork (): void {
    const worker = cluster.fork()
    this.workers.set(worker.id, worker)
    this.startedAt.set(worker.id, Date.now())
    this.options.onJoin(worker)
  }

  private onExit (worker: Worker, code: number, signal: string): void {
    const lived = Date.now() - (this.startedAt.get(worker.id) ?? 0)
    this.workers.delete(worker.id)
    this.startedAt.delete(worker.id)
    this.options.onLeave(worker)
    if (this.shuttingDown) {
      if (this.workers.size === 0) this.allExited?.()
      return
    }
    if (this.startup !== undefined) {
      this.startup.reject(new Error(`worker ${worker.id} exited while starting (${signal ?? `code ${code}`})`))
      return
    }
    const delay = lived < RESTART_BACKOFF_MS ? RESTART_BACKOFF_MS : 0
    this.options.logger.warn({ worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker exited; starting another')
    setTimeout(() => { if (!this.shuttingDown) this.fork() }, delay).unref()
  }
}
