import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'

export async function metricsRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { registry } = deps.metrics
  app.get('/metrics', { logLevel: 'warn' }, async function scrape (_request: FastifyRequest, reply: FastifyReply) {
    const text = await registry.metrics()
    return reply.type(registry.contentType).send(text)
  })
}
