// Whether the node is draining: set at SIGTERM, read by /healthz (503) and by
// the response hook (Connection: close), so the LB stops sending us requests
// and drops its idle sockets to us before we close.
export class Lifecycle {
  #draining = false

  get draining (): boolean {
    return this.#draining
  }

  startDraining (): void {
    this.#draining = true
  }
}
