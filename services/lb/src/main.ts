import { readFile } from 'node:fs/promises'
import closeWithGrace from 'close-with-grace'
import { createLoadBalancer } from './app.js'
import { readEnvConfig } from './env-config.js'
import { createLogger } from './logger.js'

// Reads the environment and listens; everything else is in app.ts.
async function main (): Promise<void> {
  const config = readEnvConfig(process.env)
  const logger = createLogger(config.logLevel)
  const tls = config.tlsCertPath !== undefined && config.tlsKeyPath !== undefined
    ? { cert: await readFile(config.tlsCertPath), key: await readFile(config.tlsKeyPath) }
    : undefined
  const lb = createLoadBalancer({ ...config.options, tls }, { logger })

  closeWithGrace({
    // Ours first (in-flight requests), then a margin before close-with-grace kills the process.
    delay: lb.options.shutdownTimeoutMs + 2_000,
    logger: { error: (message: unknown) => logger.error({ detail: message }, 'forced exit') }
  }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an uncaught error')
    else logger.info({ signal }, 'shutting down: finishing in-flight requests')
    await lb.close()
    logger.info('stopped')
  })

  const addresses = await lb.listen()
  logger.info({
    http: `${addresses.http.address}:${addresses.http.port}`,
    https: addresses.https === undefined ? undefined : `${addresses.https.address}:${addresses.https.port}`,
    admin: `${addresses.admin.address}:${addresses.admin.port}`,
    backends: lb.options.backends.map((backend) => backend.name ?? backend.url)
  }, 'load balancer listening')
}

main().catch((error: unknown) => {
  // Start-up errors (bad env, port in use) carry a code that names the cause.
  const code = (error as { code?: unknown }).code
  process.stderr.write(`stickless-lb failed to start${typeof code === 'string' ? ` [${code}]` : ''}: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
