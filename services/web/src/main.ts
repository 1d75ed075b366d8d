// Starts one web node: reads the environment (see README.md), connects the
// session store, listens, and drains gracefully on SIGTERM.
import pino from 'pino'
import { MemcachedStore } from '@stickless/memcached-store'
import { loadConfig } from './config.js'
import { storeOptions } from './store-options.js'
import { loggerOptions } from './logger-options.js'
import { buildApp } from './app.js'
import { Lifecycle } from './lifecycle.js'
import { installGracefulShutdown } from './shutdown.js'
import { startWebTracing } from './tracing/web-tracing.js'

async function main (): Promise<void> {
  const config = loadConfig(process.env)
  // Asynchronous: a line costs no write syscall of its own under load (lines
  // written while one write is in flight leave together), and pino flushes
  // what is left when the process exits.
  const logger = pino(loggerOptions(config), pino.destination({ dest: 1, sync: false }))

  if (config.usingDevSecret) {
    logger.warn('!!! SESSION_SECRETS is not set: using the PUBLIC development secret. Anyone can forge session cookies. Set SESSION_SECRETS (comma-separated, 32+ characters each) outside development. !!!')
  }

  // Before the store and the app: both find the tracer provider registered.
  const tracing = await startWebTracing(process.env, config.nodeName)
  const store = new MemcachedStore({ ...storeOptions(config), logger: logger.child({ component: 'memcached-store' }) })

  const lifecycle = new Lifecycle()
  const app = buildApp({ config, store, lifecycle, loggerInstance: logger, tracingPlugin: tracing?.plugin })
  if (tracing !== undefined) app.addHook('onClose', async () => { await tracing.shutdown() })
  installGracefulShutdown({ app, store, lifecycle, drainMs: config.shutdownDrainMs, logger })

  await app.listen({ port: config.port, host: config.host })
  logger.info({ port: config.port, host: config.host, sessionServers: store.health().map((s) => s.id) }, 'web node ready')
  if (config.previousSessionServers !== undefined) {
    // The pool is changing: copy every session to its new owners. The run
    // that counts is the one of the last node to take the new list (then no
    // node writes to the old pool alone); its "memcached pool rebalanced"
    // line, or stickless_session_store_events_total{event="rebalances"} on
    // /metrics, says the second roll
    // (SESSION_SERVERS_PREVIOUS unset) may begin. docs/store-design.md, "Changing the pool".
    store.rebalance().catch((err: Error) => {
      logger.error({ err: err.message, code: (err as { code?: string }).code }, 'memcached pool rebalance failed; restart this node to run it again')
    })
  }
}

main().catch((err: unknown) => {
  // Startup failures (a bad option, a port in use) end here, with their code.
  console.error(err)
  process.exit(1)
})
