import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { signedInUserOf } from '../session-data.js'

/** Registered with read-only-session.ts: the session is read, never written. */
export async function apiSessionRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { config } = deps
  // The session a read-only request holds is frozen and shared by every read
  // of the same stored value (getSessionReadOnly), so the answer made of it
  // is the same too: its JSON is kept per session object (gone with the
  // object) instead of serialized on every request. Side by side on one node
  // (bench/src/node-quick.ts): 68 -> 53 µs of CPU per signed-in read of a
  // 4 KB session; at 200 B, within the noise.
  const answers = new WeakMap<object, string>()
  app.get('/api/session', function readSession (request: FastifyRequest, reply: FastifyReply) {
    const session = request.storedSession?.data
    const user = signedInUserOf(session, config.absoluteTimeoutMs)
    if (session === undefined || user === undefined) {
      reply.code(401).send({ authenticated: false, node: config.nodeName })
      return
    }
    const shared = Object.isFrozen(session)
    let answer = shared ? answers.get(session) : undefined
    if (answer === undefined) {
      answer = JSON.stringify({ authenticated: true, user, node: config.nodeName, cart: session.cart ?? [] })
      if (shared) answers.set(session, answer)
    }
    // The reply is not returned, here or above: a returned reply is a
    // thenable that Fastify waits on, one more step on the busiest route.
    reply.code(200).type('application/json; charset=utf-8').send(answer)
  })
}
