// The seam between a server's connection logic (server-connection.ts: timeouts,
// silence, failures) and the bytes on a socket. The real channel is
// memcache-client over TCP or TLS (client-channel.ts); the deterministic
// simulation (sim/) puts a simulated memcached server here, so the store's own
// code runs unchanged above it.
import type { DumpedKey } from './metadump.js'

/** One key's value and its cas unique, as `gets` returns them. */
export interface CasValue {
  value: string
  cas: string
}

/**
 * When a command's bytes leave: 'immediate' after this poll phase, 'tick'
 * after the current tick (see corked-write.ts). Only the socket channel cares.
 */
export type FlushAt = 'tick' | 'immediate'

/** memcached's answer to one command, parsed. Failures (SERVER_ERROR, a lost connection) reject instead. */
export type Reply =
  /** `VALUE ...` lines then `END`: the keys found (a miss is absent) */
  | { readonly kind: 'values', readonly items: ReadonlyMap<string, CasValue> }
  /** a one-word answer: STORED, NOT_STORED, EXISTS, NOT_FOUND, TOUCHED, DELETED */
  | { readonly kind: 'word', readonly word: string }
  /** incr's new value */
  | { readonly kind: 'number', readonly value: number }
  /** `stats`: every STAT line */
  | { readonly kind: 'stats', readonly stats: ReadonlyMap<string, string> }

export interface CommandChannel {
  /**
   * Sends one command exactly as the ASCII protocol spells it (the line, and
   * for a storage command its data block) and resolves with the reply.
   */
  send: (command: string, flushAt: FlushAt) => Promise<Reply>
  /** Every key the server holds, with its expiry (`lru_crawler metadump hash`, or `all` on an older memcached). */
  listKeys: (timeoutMs: number) => Promise<DumpedKey[]>
  /** The connection stopped waiting for this reply (its server's timeout passed); the channel may note it. */
  abandoned?: (reply: Promise<Reply>) => void
  close: () => void
}

/** Builds the channel of one server; the store's `channel` option. */
export type ChannelFactory = (server: import('../options/options.js').ResolvedServer) => CommandChannel
