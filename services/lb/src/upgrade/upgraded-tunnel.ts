import type { Socket } from 'node:net'
import type { Upstream } from '@stickless/balancer'
import { closeFrame } from './close-frame.js'
import { FrameTracker } from './frame-tracker.js'

export interface TunnelOptions {
  /** No byte either way for this long closes the tunnel with 1001. */
  readonly idleTimeoutMs: number
  /** How long a close waits for frame boundaries and for both peers, before both sockets are destroyed. */
  readonly closeTimeoutMs: number
}

/** One direction of the tunnel: bytes read from `from` are written to `to`, frame by frame. */
interface Direction {
  readonly from: Socket
  readonly to: Socket
  readonly tracker: FrameTracker
  /** The LB's close frame to `to` must be masked: it goes to the node in the client's place. */
  readonly masked: boolean
  /** A close of the LB's own waits for the next boundary in this direction. */
  closeWanted: boolean
  /** The LB's close frame is out (or a peer's was): nothing more is relayed this way. */
  stopped: boolean
}

/**
 * One upgraded connection: the client's socket and the node's, relayed both
 * ways. Each direction follows the frame boundaries (FrameTracker), so the LB
 * can close the WebSocket itself (shutdown, idle timeout) with a proper close
 * frame put between two frames; a socket that ends or breaks on one side ends
 * or breaks the other at once, so a client never hangs on a dead node.
 */
export class UpgradedTunnel {
  private readonly toNode: Direction
  private readonly toClient: Direction
  private closeCode = 0
  private closeReason = ''
  private closeTimer: NodeJS.Timeout | undefined
  private openSockets = 2
  /** Resolves once both sockets have closed. */
  readonly closed: Promise<void>
  private resolveClosed!: () => void

  constructor (
    readonly upstream: Upstream,
    readonly client: Socket,
    readonly node: Socket,
    private readonly options: TunnelOptions
  ) {
    this.closed = new Promise((resolve) => { this.resolveClosed = resolve })
    this.toNode = { from: client, to: node, tracker: new FrameTracker(), masked: true, closeWanted: false, stopped: false }
    this.toClient = { from: node, to: client, tracker: new FrameTracker(), masked: false, closeWanted: false, stopped: false }
  }

  /** Starts relaying, the bytes each side sent along with its handshake first. */
  start (clientHead: Buffer, nodeHead: Buffer): void {
    const { client, node } = this
    client.setNoDelay(true)
    node.setNoDelay(true)
    // Every byte either way passes the client's socket, read or written, and
    // a socket's timeout counts both: one timer covers the tunnel.
    client.setTimeout(this.options.idleTimeoutMs, () => this.close(1001, 'idle timeout'))
    for (const [socket, other] of [[client, node], [node, client]] as const) {
      socket.on('error', () => other.destroy())
      // A side that ends (FIN) or closes ends the other, which then closes
      // once its peer answers; the close bound destroys one that does not.
      socket.on('end', () => other.end())
      socket.on('close', () => {
        other.end()
        this.armCloseTimer()
        this.openSockets -= 1
        if (this.openSockets === 0) this.finish()
      })
    }
    if (nodeHead.length > 0) this.relay(this.toClient, nodeHead)
    if (clientHead.length > 0) this.relay(this.toNode, clientHead)
    client.on('data', (chunk: Buffer) => this.relay(this.toNode, chunk))
    node.on('data', (chunk: Buffer) => this.relay(this.toClient, chunk))
  }

  /**
   * Closes the WebSocket from the LB: a close frame with `code` to each side,
   * each at the next frame boundary of the bytes going that way (at once when
   * the direction is between frames), then both sockets end. Whatever is not
   * done within the close bound is destroyed.
   */
  close (code: number, reason: string): void {
    if (this.closeCode !== 0 || this.openSockets === 0) return
    this.closeCode = code
    this.closeReason = reason
    this.client.setTimeout(0)
    this.armCloseTimer()
    for (const direction of [this.toClient, this.toNode]) {
      direction.closeWanted = true
      if (direction.tracker.atBoundary) this.sendClose(direction)
    }
  }

  /** Cuts both sockets at once (the node is down). */
  destroy (): void {
    this.client.destroy()
    this.node.destroy()
  }

  private relay (direction: Direction, chunk: Buffer): void {
    if (direction.stopped) return
    if (!direction.closeWanted) {
      direction.tracker.advance(chunk)
      this.write(direction, chunk)
      return
    }
    const taken = direction.tracker.advance(chunk, true)
    if (taken > 0) this.write(direction, taken === chunk.length ? chunk : chunk.subarray(0, taken))
    if (direction.tracker.atBoundary) this.sendClose(direction)
  }

  private write (direction: Direction, chunk: Buffer): void {
    const { from, to } = direction
    if (!to.write(chunk) && !from.isPaused()) {
      // Backpressure: the slower side sets the pace.
      from.pause()
      to.once('drain', () => from.resume())
    }
  }

  private sendClose (direction: Direction): void {
    direction.stopped = true
    // A peer that has already sent its own close frame this way gets no second one.
    if (!direction.tracker.closeSeen && direction.to.writable) direction.to.write(closeFrame(this.closeCode, this.closeReason, direction.masked))
    // What the sender still sends (its close reply) is read and dropped.
    direction.from.resume()
    if (this.toClient.stopped && this.toNode.stopped) {
      this.client.end()
      this.node.end()
    }
  }

  private armCloseTimer (): void {
    if (this.closeTimer !== undefined || this.openSockets === 0) return
    this.closeTimer = setTimeout(() => this.destroy(), this.options.closeTimeoutMs)
    this.closeTimer.unref()
  }

  private finish (): void {
    clearTimeout(this.closeTimer)
    this.resolveClosed()
  }
}
