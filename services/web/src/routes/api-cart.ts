import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteDependencies } from '../route-dependencies.js'
import { requireJson } from '../content-type-guards.js'
import { WebError } from '../errors.js'
import { MAX_CART_ITEMS, signedInUser } from '../session-data.js'
import { endSession } from '../session-cookie.js'
import { parseCartItem } from '../cart-item.js'

export async function apiCartRoutes (app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { config } = deps
  app.post('/api/cart', { preValidation: requireJson, config: { writesSession: true } }, async function addToCart (request: FastifyRequest, reply: FastifyReply) {
    if (signedInUser(request, config.absoluteTimeoutMs) === undefined) {
      await endSession(request, reply)
      throw new WebError('STK_ERR_WEB_UNAUTHENTICATED')
    }
    const item = parseCartItem(request.body)
    const session = request.session
    const cart = session.cart ?? []
    if (cart.length >= MAX_CART_ITEMS) throw new WebError('STK_ERR_WEB_CART_FULL')
    // A new array, so the session sees the change and saves it before the
    // response leaves (the 200 means the write reached the store).
    session.cart = [...cart, item]
    session.lastSeen = { node: config.nodeName, at: new Date().toISOString() }
    return reply.code(200).send({ cart: session.cart })
  })
}
