import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, onResponseHookHandler } from 'fastify'
import type { WebMetrics } from './metrics.js'
import { BoundedMap } from '@stickless/memcached-store'
import { withHookLast } from './route-hooks.js'

type Observer = ReturnType<WebMetrics['httpRequestDuration']['labels']>

export function installRequestMetrics (app: FastifyInstance, metrics: WebMetrics): void {
  // The recorder of each (method, route, status) is made once and kept
  // (tallied-histogram.ts). Labels use the route pattern, not the URL: they
  // must stay few.
  const observerOf = (method: string, route: string, status: number): Observer =>
    metrics.httpRequestDuration.labels({ method, route, status_code: String(status) })

  // Each route records its own requests, its pattern known when it is added:
  // request.routeOptions, which would say it, builds a new object on every
  // call. A route's methods are its own few, and status codes are few.
  app.addHook('onRoute', function measureRoute (routeOptions) {
    const route = routeOptions.url ?? 'unmatched'
    const observers = new Map<string, Map<number, Observer>>()
    const recordRouteDuration: onResponseHookHandler = function recordRouteDuration (request, reply, done) {
      let byStatus = observers.get(request.method)
      if (byStatus === undefined) {
        byStatus = new Map()
        observers.set(request.method, byStatus)
      }
      let observer = byStatus.get(reply.statusCode)
      if (observer === undefined) {
        observer = observerOf(request.method, route, reply.statusCode)
        byStatus.set(reply.statusCode, observer)
      }
      observer.observe(reply.elapsedTime / 1000)
      done()
    }
    routeOptions.onResponse = withHookLast(routeOptions.onResponse, recordRouteDuration)
  })

  // A request no route took (404, or refused before routing). Bounded, as a
  // client can send any method name.
  const unrouted = new BoundedMap<string, Observer>(1_000)
  app.addHook('onResponse', function recordRequestDuration (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    if (!request.is404) {
      done()
      return
    }
    const route = reply.statusCode === 404 ? 'not_found' : 'unmatched'
    const key = `${request.method} ${reply.statusCode} ${route}`
    let observer = unrouted.get(key)
    if (observer === undefined) {
      observer = observerOf(request.method, route, reply.statusCode)
      unrouted.set(key, observer)
    }
    observer.observe(reply.elapsedTime / 1000)
    done()
  })
}
