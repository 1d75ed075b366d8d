import cluster from 'node:cluster'
import type { Balancer } from '@stickless/balancer'
import type { LbCore } from '../lb-core.js'
import { isWorkerMessage, upstreamsMessage } from './cluster-messages.js'
import type { ClusterStats } from './cluster-stats.js'
import type { MetricsFanIn } from './metrics-fan-in.js'
import type { WorkerPool } from './worker-pool.js'

export interface IpcRoutes {
  readonly core: Pick<LbCore, 'applyEjection'> & { readonly balancer: Pick<Balancer, 'snapshot'> }
  readonly pool: Pick<WorkerPool, 'listening' | 'failed' | 'send' | 'broadcast'>
  readonly stats: Pick<ClusterStats, 'receive'>
  readonly metrics: Pick<MetricsFanIn, 'answer'>
}

/**
 * The primary's end of the IPC: each message a worker sends goes to the part
 * of the primary that handles it. A worker that starts gets the upstream set
 * (with every state, so it starts from the primary's view); its listening or
 * failing goes to the pool; its once-a-second report to the stats; an
 * ejection its own request caused is applied here and passed on to every
 * other worker; its metrics to the scrape waiting for them. Messages that are
 * not the LB's (node:cluster's own) are left alone.
 */
export function routeWorkerMessages ({ core, pool, stats, metrics }: IpcRoutes): void {
  cluster.on('message', (worker, message: unknown) => {
    if (!isWorkerMessage(message)) return
    switch (message.kind) {
      case 'stickless:ready':
        pool.send(worker, upstreamsMessage(core.balancer))
        return
      case 'stickless:listening':
        pool.listening(worker, { http: message.http, https: message.https })
        return
      case 'stickless:failed':
        pool.failed(worker, message.code, message.message)
        return
      case 'stickless:report':
        stats.receive(worker.id, message.report)
        return
      case 'stickless:ejected':
        core.applyEjection(message.upstreamId, message.reason)
        pool.broadcast({ kind: 'stickless:eject', upstreamId: message.upstreamId }, worker)
        return
      case 'stickless:metrics':
        metrics.answer(message.requestId, worker.id, message.metrics)
    }
  })
}
