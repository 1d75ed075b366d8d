// The live sockets open on this node, by session and by user: what the
// re-validation tick reads and what a logout here closes at once.
import type { LiveSocket } from './live-socket.js'

export class LiveRegistry {
  readonly #bySession = new Map<string, Set<LiveSocket>>()
  readonly #byUser = new Map<string, Set<LiveSocket>>()
  #closed = false

  get size (): number {
    let n = 0
    for (const set of this.#bySession.values()) n += set.size
    return n
  }

  /** False once the node closes its sockets (drain): the socket is then closed by the caller. */
  add (socket: LiveSocket): boolean {
    if (this.#closed) return false
    addTo(this.#bySession, socket.sessionId, socket)
    addTo(this.#byUser, socket.user, socket)
    return true
  }

  remove (socket: LiveSocket): void {
    removeFrom(this.#bySession, socket.sessionId, socket)
    removeFrom(this.#byUser, socket.user, socket)
  }

  sessionIds (): string[] {
    return [...this.#bySession.keys()]
  }

  users (): string[] {
    return [...this.#byUser.keys()]
  }

  ofSession (sessionId: string): LiveSocket[] {
    return [...this.#bySession.get(sessionId) ?? []]
  }

  ofUser (user: string): LiveSocket[] {
    return [...this.#byUser.get(user) ?? []]
  }

  all (): LiveSocket[] {
    return [...this.#bySession.values()].flatMap((set) => [...set])
  }

  /** Closes every socket of one session (it ended): they leave the registry at once, so no push follows. */
  closeSession (sessionId: string, code: number, reason: string): void {
    for (const socket of this.ofSession(sessionId)) {
      this.remove(socket)
      socket.close(code, reason)
    }
  }

  closeUser (user: string, code: number, reason: string): void {
    for (const socket of this.ofUser(user)) {
      this.remove(socket)
      socket.close(code, reason)
    }
  }

  /**
   * Closes every socket and takes no more (the node drains). A client that
   * does not answer the close within `graceMs` is cut off, so no socket keeps
   * the node from exiting.
   */
  async closeAll (code: number, reason: string, graceMs: number): Promise<void> {
    this.#closed = true
    const sockets = this.all()
    for (const socket of sockets) {
      this.remove(socket)
      socket.close(code, reason)
    }
    await Promise.all(sockets.map(async (socket) => await new Promise<void>((resolve) => {
      if (socket.ws.readyState === socket.ws.CLOSED) {
        resolve()
        return
      }
      const timer = setTimeout(() => { socket.ws.terminate() }, graceMs)
      socket.ws.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
    })))
  }
}

function addTo<K> (map: Map<K, Set<LiveSocket>>, key: K, socket: LiveSocket): void {
  let set = map.get(key)
  if (set === undefined) {
    set = new Set()
    map.set(key, set)
  }
  set.add(socket)
}

function removeFrom<K> (map: Map<K, Set<LiveSocket>>, key: K, socket: LiveSocket): void {
  const set = map.get(key)
  if (set === undefined) return
  set.delete(socket)
  if (set.size === 0) map.delete(key)
}
