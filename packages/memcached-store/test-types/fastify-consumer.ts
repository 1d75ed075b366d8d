// A Fastify app's view of the store: @fastify/session's SessionStore, no cast.
import Fastify from 'fastify'
import cookie from '@fastify/cookie'
import session, { type SessionStore } from '@fastify/session'
import { MemcachedStore, isStoreUnavailable } from '@stickless/memcached-store'

declare module 'fastify' {
  interface Session { user?: string }
}

const store = new MemcachedStore({ servers: 'tcp://127.0.0.1:11211?weight=1&timeout=1&retry_interval=15,tcp://127.0.0.1:11212', keyPrefix: 'app:' })
const asStore: SessionStore = store
const app = Fastify()
await app.register(cookie)
await app.register(session, { secret: 'a secret with minimum length of 32 characters', store, cookie: { maxAge: 60_000, secure: false } })
app.get('/', async (request) => request.session.user ?? 'nobody')
app.setErrorHandler((err, _req, reply) => isStoreUnavailable(err) ? reply.code(503).send() : reply.send(err))
asStore.get('sid', (err, data) => { if (err === null) console.log(data?.user) })
export { app }
