// The live channel's messages and close codes (docs/live-channel.md): one
// JSON text frame per message, each with a `type`.
import type { SessionServerHealth } from '../session-store.js'
import type { NodesSnapshot, WebNodeStatus } from '../nodes-status.js'
import type { SessionSummary } from '../user-sessions.js'
import { errorCodes } from '../errors.js'

/** The contract's bound on a client message; ws closes a socket that sends more with 1009. */
export const LIVE_MAX_PAYLOAD_BYTES = 64 * 1024

export const LIVE_CLOSE = Object.freeze({
  /** the node drains, or is closing */
  goingAway: 1001,
  /** the client sent more messages than its rate allows */
  policy: 1008,
  /** the node failed */
  failed: 1011,
  /** the session ended: logout, logout everywhere, revoke, idle or absolute expiry */
  sessionEnded: 4001
})

/** The cluster as the dashboard's panel shows it: the LB's view of the web nodes, and the memcached servers. */
export interface ClusterView {
  readonly reachable: boolean
  readonly nodes: readonly WebNodeStatus[]
  readonly error?: string
  readonly sessionServers: ReadonlyArray<{ readonly id: string, readonly state: string }>
}

export function clusterView (snapshot: NodesSnapshot, servers: readonly SessionServerHealth[]): ClusterView {
  return {
    reachable: snapshot.reachable,
    nodes: snapshot.nodes.map((n) => ({ name: n.name, state: n.state })),
    ...(snapshot.error !== undefined ? { error: snapshot.error } : {}),
    sessionServers: servers.map((s) => ({ id: s.id, state: s.state }))
  }
}

export type ServerMessage =
  | { readonly type: 'hello', readonly node: string, readonly user: string }
  | { readonly type: 'cart', readonly cart: readonly string[] }
  | { readonly type: 'sessions', readonly sessions: readonly SessionSummary[] }
  | ({ readonly type: 'nodes' } & ClusterView)
  | { readonly type: 'pong' }
  | { readonly type: 'error', readonly code: string, readonly message: string }

const BAD_MESSAGE: ServerMessage = Object.freeze({
  type: 'error',
  code: 'STK_ERR_WEB_LIVE_MESSAGE',
  message: new errorCodes.STK_ERR_WEB_LIVE_MESSAGE().message
})
const PONG: ServerMessage = Object.freeze({ type: 'pong' })

function textOf (data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data as ArrayBuffer).toString('utf8')
}

/** The answer to one client message: `pong` for a ping, an `error` for anything else (binary, not JSON, another type). */
export function answerTo (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): ServerMessage {
  if (isBinary) return BAD_MESSAGE
  let message: unknown
  try {
    message = JSON.parse(textOf(data))
  } catch {
    return BAD_MESSAGE
  }
  const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined
  return type === 'ping' ? PONG : BAD_MESSAGE
}

/** The cart as a page shows it: the strings of a stored cart, nothing else. */
export function cartOf (data: { cart?: unknown } | undefined): string[] {
  const cart = data?.cart
  return Array.isArray(cart) ? cart.filter((item): item is string => typeof item === 'string') : []
}
