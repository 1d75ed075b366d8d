// The baseline: a bare Fastify 5 server with no logger, no hooks and no
// session, answering GET /hello with a tiny JSON body. The web node has no
// such route, so this is what "one Fastify node without a session" means in
// the benchmark. GET /healthz is here only so our LB's active health checks
// keep it in rotation when it stands behind the LB.
//
// `PORT=... node bench/dist/src/hello-server.js`
import Fastify from 'fastify'

async function main (): Promise<void> {
  const port = Number(process.env.PORT ?? '0')
  const name = process.env.NODE_NAME ?? 'hello'
  const app = Fastify({ logger: false, keepAliveTimeout: 72_000 })
  app.get('/hello', async (_request, reply) => await reply.header('x-served-by', name).send({ hello: 'world' }))
  app.get('/healthz', async (_request, reply) => await reply.header('x-served-by', name).send({ status: 'ok', node: name }))
  await app.listen({ port, host: '127.0.0.1' })
  process.stdout.write(`hello server ${name} listening on ${port}\n`)
  const stop = (): void => { app.close().then(() => process.exit(0), () => process.exit(1)) }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
