import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { WebMetrics } from './metrics.js'
import { BoundedMap } from '@stickless/memcached-store'

type Observer = ReturnType<WebMetrics['httpRequestDuration']['labels']>

export function installRequestMetrics (app: FastifyInstance, metrics: WebMetrics): void {
  // prom-client hashes the label object on every observe; the labelled child
  // of each (method, route, status) is looked up once instead. Bounded, as a
  // client can send any method name.
  const observers = new BoundedMap<string, Observer>(1_000)
  app.addHook('onResponse', function recordRequestDuration (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    // The route pattern, not the URL: labels must stay few.
    const route = request.routeOptions.url ?? (reply.statusCode === 404 ? 'not_found' : 'unmatched')
    const key = `${request.method} ${reply.statusCode} ${route}`
    let observer = observers.get(key)
    if (observer === undefined) {
      observer = metrics.httpRequestDuration.labels({ method: request.method, route, status_code: String(reply.statusCode) })
      observers.set(key, observer)
    }
    observer.observe(reply.elapsedTime / 1000)
    done()
  })
}
