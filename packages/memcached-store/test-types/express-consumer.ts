// An Express app's view of the store: it must be an express-session Store,
// with no adapter and no cast. Compiled (never run) by test/consumer-types.test.ts.
import express from 'express'
import session, { type Store } from 'express-session'
import { MemcachedStore } from '@stickless/memcached-store'

declare module 'express-session' {
  interface SessionData { user: string }
}

const store = new MemcachedStore({ servers: 'tcp://127.0.0.1:11211?weight=1&timeout=1&retry_interval=15,tcp://127.0.0.1:11212', keyPrefix: 'app:' })
const asStore: Store = store
const app = express()
app.use(session({ store, secret: 'secret', resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } }))
app.get('/', (req, res) => { res.send(req.session.user ?? 'nobody') })
asStore.get('sid', (err, data) => { if (err === null) console.log(data?.cookie.maxAge) })
asStore.touch?.('sid', { cookie: { originalMaxAge: 1000 } } as never)
store.destroy('sid')
store.set('sid', { cookie: { originalMaxAge: 1000 } })
export { app }
