// Graceful shutdown, in the order a rolling restart needs:
//   1. SIGTERM: /healthz answers 503 at once (and responses say Connection: close);
//   2. keep serving for the drain delay, until the LB's health checks (about
//      every second) have taken this node out of rotation;
//   3. fastify.close(): stop accepting, finish the requests in flight;
//   4. close the store, exit.
import closeWithGrace from 'close-with-grace'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { Lifecycle } from './lifecycle.js'

export interface GracefulShutdownOptions {
  readonly app: FastifyInstance
  readonly store: { close (): Promise<void> }
  readonly lifecycle: Lifecycle
  readonly drainMs: number
  readonly logger: FastifyBaseLogger
  /** Upper bound on step 3, after which the process exits anyway. Default 20 s. */
  readonly closeTimeoutMs?: number
}

/** Runs the drain and close steps; exported on its own for tests. */
export async function drainAndClose (options: Omit<GracefulShutdownOptions, 'closeTimeoutMs'>): Promise<void> {
  const { app, store, lifecycle, drainMs, logger } = options
  lifecycle.startDraining()
  logger.info({ drainMs }, 'draining: /healthz answers 503')
  await sleep(drainMs)
  logger.info('closing: no new connections, finishing requests in flight')
  await app.close()
  await store.close()
  logger.info('closed')
}

export function installGracefulShutdown (options: GracefulShutdownOptions): void {
  const { logger } = options
  const delay = options.drainMs + (options.closeTimeoutMs ?? 20_000)
  closeWithGrace({ delay, logger }, async function shutdown ({ signal, err }) {
    if (err !== undefined) {
      // An unexpected error: leave at once, without the drain (the process
      // state is unknown), but still let in-flight requests finish.
      logger.fatal({ err }, 'unexpected error, shutting down')
      options.lifecycle.startDraining()
      await options.app.close()
      await options.store.close()
      return
    }
    logger.info({ signal }, 'shutdown requested')
    await drainAndClose(options)
  })
}
