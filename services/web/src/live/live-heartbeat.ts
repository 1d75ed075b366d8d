// Pings every live socket on a fixed period. A socket that has not answered
// the previous ping is dead (its peer vanished without a close: a laptop
// lid, a cut network) and is cut, so the registry never keeps it and the
// re-validation reads no session for it. The pings also keep the socket
// busy for proxies with an idle limit (our LB's, nginx's and HAProxy's
// recipes close a socket idle for 120 s); browsers answer them by themselves.
import type { LiveRegistry } from './live-registry.js'

export class LiveHeartbeat {
  #timer: NodeJS.Timeout | undefined

  constructor (private readonly registry: LiveRegistry, private readonly intervalMs: number) {}

  start (): void {
    if (this.#timer !== undefined || this.intervalMs <= 0) return
    this.#timer = setInterval(() => { this.beat() }, this.intervalMs)
    this.#timer.unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** One period: cut what did not answer the last ping, ping the rest. */
  beat (): void {
    for (const socket of this.registry.all()) {
      if (socket.awaitingPong) {
        this.registry.remove(socket)
        socket.ws.terminate()
        continue
      }
      socket.ping()
    }
  }
}
