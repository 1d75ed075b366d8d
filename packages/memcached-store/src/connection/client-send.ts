// How every command goes out on memcache-client's connections: idle sockets
// do not keep the process alive, and with credentials each new connection
// authenticates first (memcached's ASCII auth).
import type { Socket } from 'node:net'
import type { MemcacheClient } from 'memcache-client'
import { authCommand, type AuthSettings } from '../options/tls-options.js'
import { leanReplies } from './lean-replies.js'

/** A server refused our credentials: every command sent on that connection fails with it. */
export class AuthFailure extends Error {}

interface ClientInternals {
  _send: (conn: object, data: unknown, options: object) => Promise<unknown>
}

interface ConnectionInternals {
  queueCommand: (context: { results: object }) => void
}

/**
 * memcache-client gathers a multi-get's items in an object literal, one
 * property per key. Every key is new to that object, so V8 made a hidden
 * class for each insertion: about 1 µs per item, the dearest step of a
 * signed-in read in the store's profile. An object without a prototype is a
 * hash table from the start: the same items, a third of the cost (a loop of
 * 20-key batches of fresh 40-character keys, Node 26: 0.8-1.3 µs per key
 * against 0.3 µs). Readers of the results walk own keys only.
 */
function withDictionaryResults (conn: object): void {
  const c = conn as ConnectionInternals
  const queue = c.queueCommand.bind(conn)
  c.queueCommand = (context) => {
    context.results = Object.create(null) as object
    queue(context)
  }
}

/** What the store changes on each of memcache-client's connections, once: the results object and the reply parser (lean-replies.ts). */
function patchConnection (conn: object, patched: WeakSet<object>): void {
  if (patched.has(conn)) return
  patched.add(conn)
  withDictionaryResults(conn)
  leanReplies(conn)
}

/**
 * Every command passes here, on its connection. With credentials, memcached's
 * ASCII authentication: the first command on every connection is
 * a `set` whose data is "username password". memcache-client knows nothing of
 * it, so its per-connection send is wrapped: the first command on a new
 * connection goes out behind the auth `set` on the same socket (pipelined,
 * no extra round trip), and fails with AuthFailure if the server refused the
 * credentials. memcached keeps such a connection open (every command then
 * answers "unauthenticated"), so a refused connection tries again with its
 * next command: after the server's retry interval, since a failure marks the
 * server down, never in a tight loop.
 */
export function wrapSend (client: MemcacheClient, auth: AuthSettings | undefined): void {
  const internals = client as unknown as ClientInternals
  const send = internals._send.bind(client)
  const handshakes = new WeakMap<object, Promise<unknown>>()
  const patched = new WeakSet<object>()
  const command = auth === undefined ? '' : authCommand(auth)
  internals._send = (conn, data, options) => {
    // An idle connection does not keep the process alive (an app that closes
    // its server without closing the store still exits); a command in flight
    // does, through its timer in run().
    const c = conn as { socket?: Socket, _checkCmdTimer?: NodeJS.Timeout }
    c.socket?.unref()
    patchConnection(conn, patched)
    const unrefCheck = <T>(sent: T): T => {
      // memcache-client's own (backstop) command timer
      c._checkCmdTimer?.unref?.()
      return sent
    }
    if (auth === undefined) return unrefCheck(send(conn, data, options))
    let handshake = handshakes.get(conn)
    if (handshake === undefined) {
      handshake = send(conn, command, {}).then((reply) => {
        if (reply !== 'STORED' && !(typeof reply === 'object' && reply !== null)) throw new AuthFailure(`memcached answered ${String(reply)} to the credentials of ${auth.username}`)
      }, (err: Error) => {
        handshakes.delete(conn)
        throw /auth|unauthenticated/i.test(err?.message ?? '') ? new AuthFailure(`memcached refused the credentials of ${auth.username}: ${err.message}`) : err
      })
      handshake.catch(() => {})
      handshakes.set(conn, handshake)
    }
    const reply = unrefCheck(send(conn, data, options))
    return handshake.then(() => reply, (err: Error) => {
      reply.catch(() => {})
      throw err
    })
  }
}
