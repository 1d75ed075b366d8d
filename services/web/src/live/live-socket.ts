// One open live socket: whose session it serves, and what it was last sent,
// so a push goes out only when what the page shows has changed.
import type { WebSocket } from 'ws'
import type { SessionSummary } from '../user-sessions.js'
import type { ClusterView, ServerMessage } from './live-messages.js'

export class LiveSocket {
  #lastCart: string | undefined
  #lastSessions: string | undefined
  #lastNodes: string | undefined
  #awaitingPong = false

  constructor (readonly ws: WebSocket, readonly sessionId: string, readonly user: string) {
    ws.on('pong', () => { this.#awaitingPong = false })
  }

  /** True from a ping until its pong: see live-heartbeat.ts. */
  get awaitingPong (): boolean {
    return this.#awaitingPong
  }

  ping (): void {
    if (!this.open) return
    this.#awaitingPong = true
    this.ws.ping()
  }

  get open (): boolean {
    return this.ws.readyState === this.ws.OPEN
  }

  send (message: ServerMessage): void {
    if (this.open) this.ws.send(JSON.stringify(message))
  }

  pushCart (cart: readonly string[]): void {
    const text = JSON.stringify(cart)
    if (text === this.#lastCart) return
    this.#lastCart = text
    this.send({ type: 'cart', cart })
  }

  /** Pushed when the set of the user's live sessions changed (by handle), not when one was merely used. */
  pushSessions (sessions: readonly SessionSummary[]): void {
    const key = sessions.map((s) => s.handle).sort().join(' ')
    if (key === this.#lastSessions) return
    this.#lastSessions = key
    this.send({ type: 'sessions', sessions })
  }

  pushNodes (cluster: ClusterView): void {
    const text = JSON.stringify(cluster)
    if (text === this.#lastNodes) return
    this.#lastNodes = text
    this.send({ type: 'nodes', ...cluster })
  }

  close (code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason)
  }
}
