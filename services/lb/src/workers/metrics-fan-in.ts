import type { Worker } from 'node:cluster'
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client'
import type { PrimaryMessage } from './cluster-messages.js'

/** How long /metrics waits for a worker's figures before it answers without them. */
const METRICS_WAIT_MS = 2000

type WorkerMetrics = Array<MetricObjectWithValues<MetricValue<string>>>

export interface MetricsFanInDependencies {
  /** The primary's own registry: health, states, ejections, its process. */
  readonly registry: Registry
  readonly workers: {
    connected: () => Worker[]
    send: (worker: Worker, message: PrimaryMessage) => void
  }
}

/**
 * The cluster primary's /metrics: at each scrape it asks every connected
 * worker for its registry (requests, retries, durations, in flight, its
 * process) and merges the answers with its own by prom-client's rules
 * (counters summed). A worker that has not answered within METRICS_WAIT_MS is
 * left out of that scrape.
 */
export class MetricsFanIn {
  private requests = 0
  private readonly pending = new Map<number, (workerId: number, metrics: WorkerMetrics) => void>()

  constructor (private readonly deps: MetricsFanInDependencies) {}

  async collect (): Promise<string> {
    const requestId = ++this.requests
    const asked = this.deps.workers.connected()
    const answers = new Map<number, WorkerMetrics>()
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, METRICS_WAIT_MS)
      this.pending.set(requestId, (workerId, metrics) => {
        answers.set(workerId, metrics)
        if (answers.size >= asked.length) {
          clearTimeout(timer)
          resolve()
        }
      })
      if (asked.length === 0) {
        clearTimeout(timer)
        resolve()
      }
      for (const worker of asked) this.deps.workers.send(worker, { kind: 'stickless:metrics-request', requestId })
    })
    this.pending.delete(requestId)
    return await AggregatorRegistry.aggregate([await this.deps.registry.getMetricsAsJSON(), ...answers.values()]).metrics()
  }

  /** A worker's answer to the scrape `requestId`; one that comes after its scrape ended is dropped. */
  answer (requestId: number, workerId: number, metrics: WorkerMetrics): void {
    this.pending.get(requestId)?.(workerId, metrics)
  }
}
