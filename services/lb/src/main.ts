import cluster from 'node:cluster'
import { readFile } from 'node:fs/promises'
import closeWithGrace from 'close-with-grace'
import type { Logger } from 'pino'
import { createLoadBalancer } from './load-balancer.js'
import { startClusterPrimary } from './workers/cluster-primary.js'
import { startClusterWorker, type ClusterWorker } from './workers/cluster-worker.js'
import { readEnvConfig } from './config/env-config.js'
import { createLogger } from './config/logger.js'
import { resolveLbOptions, type LbOptions } from './config/options.js'
import { startLbTracing, stopLbTracing } from './tracing/lb-tracing.js'

// Reads the environment and listens; everything else is in load-balancer.ts
// (one process) or workers/cluster-primary.ts and workers/cluster-worker.ts
// (LB_WORKERS above 1), both built on the LB core of lb-core.ts.
async function main (): Promise<void> {
  const config = readEnvConfig(process.env)
  // Every process starts its own SDK (a worker's spans are its own), flushed on shutdown.
  await startLbTracing(process.env)
  const logger = createLogger(config.logLevel)
  const tls = config.tlsCertPath !== undefined && config.tlsKeyPath !== undefined
    ? { cert: await readFile(config.tlsCertPath), key: await readFile(config.tlsKeyPath) }
    : undefined
  const input: LbOptions = { ...config.options, tls }
  if (cluster.isWorker) {
    await runWorker(input, logger.child({ worker: cluster.worker?.id }))
    return
  }
  // Validated here, once, so a bad option stops the primary before it forks.
  const options = resolveLbOptions(input)
  if (options.workers > 1) {
    await runPrimary(input, logger)
    return
  }
  const lb = createLoadBalancer(input, { logger })

  closeWithGrace({
    // Ours first (in-flight requests, then WebSockets closed with 1001), then a margin before close-with-grace kills the process.
    delay: lb.options.shutdownTimeoutMs + lb.options.upgradeCloseTimeoutMs + 2_000,
    logger: { error: (message: unknown) => logger.error({ detail: message }, 'forced exit') }
  }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an uncaught error')
    else logger.info({ signal }, 'shutting down: finishing in-flight requests')
    await lb.close()
    await stopLbTracing()
    logger.info('stopped')
  })

  const addresses = await lb.listen()
  logger.info({
    http: `${addresses.http.address}:${addresses.http.port}`,
    https: addresses.https === undefined ? undefined : `${addresses.https.address}:${addresses.https.port}`,
    admin: `${addresses.admin.address}:${addresses.admin.port}`,
    backends: lb.options.backends.map((backend) => backend.name ?? backend.url),
    workers: 1
  }, 'load balancer listening')
}

async function runPrimary (input: LbOptions, logger: Logger): Promise<void> {
  // Filled once started; a signal during start-up finds nothing to drain yet.
  const started: { primary?: Awaited<ReturnType<typeof startClusterPrimary>> } = {}
  const { shutdownTimeoutMs, upgradeCloseTimeoutMs } = resolveLbOptions(input)
  closeWithGrace({
    // The workers drain for up to shutdownTimeoutMs and are killed 2 s later; then the primary stops.
    delay: shutdownTimeoutMs + upgradeCloseTimeoutMs + 4_000,
    logger: { error: (message: unknown) => logger.error({ detail: message }, 'forced exit') }
  }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an uncaught error')
    else logger.info({ signal }, 'shutting down: every worker finishes its in-flight requests')
    await started.primary?.close()
    logger.info('stopped')
  })
  const primary = started.primary = await startClusterPrimary(input, logger)
  const { http, https, admin } = primary.addresses
  logger.info({
    http: `${http.address}:${http.port}`,
    https: https === undefined ? undefined : `${https.address}:${https.port}`,
    admin: `${admin.address}:${admin.port}`,
    backends: primary.options.backends.map((backend) => backend.name ?? backend.url),
    workers: primary.options.workers
  }, 'load balancer listening')
}

async function runWorker (input: LbOptions, logger: Logger): Promise<void> {
  const started: { worker?: ClusterWorker } = {}
  const resolved = resolveLbOptions(input)
  const grace = closeWithGrace({
    delay: resolved.shutdownTimeoutMs + resolved.upgradeCloseTimeoutMs + 2_000,
    logger: { error: (message: unknown) => logger.error({ detail: message }, 'forced exit') }
  }, async ({ err, signal }) => {
    if (err !== undefined) logger.error({ err }, 'worker shutting down after an uncaught error')
    else logger.info({ signal }, 'worker draining')
    await started.worker?.close()
    await stopLbTracing()
  })
  started.worker = await startClusterWorker(input, logger, { createLb: createLoadBalancer, onShutdown: () => grace.close() })
}

main().catch((error: unknown) => {
  // Start-up errors (bad env, port in use) carry a code that names the cause.
  const code = (error as { code?: unknown }).code
  process.stderr.write(`stickless-lb failed to start${typeof code === 'string' ? ` [${code}]` : ''}: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
