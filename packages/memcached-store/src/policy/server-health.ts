// The life of one server as this store sees it, as a small state machine with
// an injected clock so it can be tested without a network:
//
//   up ──failure──▶ down ──probe ok after retryInterval──▶ recovering ──refill done──▶ up
//    ▲                                                        │
//    └──────────── restart seen (new pid / uptime fell) ──────┘ (up ─▶ recovering)
//
// Reads use up servers first and fall back to recovering ones; writes go to up
// and recovering servers, so nothing written during a refill is missed.

/** pid and uptime identify one run of a server: a new pid or a smaller uptime means it restarted, empty. */
export interface ServerIdentity {
  readonly pid: string
  readonly uptimeS: number
}

import { SAFETY_RULES } from './safety-rules.js'

export type ServerState = 'up' | 'down' | 'recovering'

export interface HealthSnapshot {
  readonly state: ServerState
  readonly downSince: number | undefined
  readonly retryAt: number | undefined
  readonly lastError: string | undefined
  readonly failures: number
}

export class ServerHealth {
  private _state: ServerState = 'up'
  private downSince: number | undefined
  private retryAt: number | undefined
  private lastError: string | undefined
  private failures = 0
  private pid: string | undefined
  private uptimeS = 0

  constructor (private readonly retryIntervalMs: number, private readonly now: () => number = Date.now) {}

  get state (): ServerState {
    return this._state
  }

  get readable (): boolean {
    return this._state === 'up'
  }

  get writable (): boolean {
    return this._state !== 'down'
  }

  /** Returns true when this failure took the server down (it was not down already). */
  recordFailure (reason: string): boolean {
    this.failures++
    this.lastError = reason
    const t = this.now()
    this.retryAt = t + this.retryIntervalMs
    if (this._state === 'down') return false
    this._state = 'down'
    this.downSince = t
    return true
  }

  probeDue (): boolean {
    return this._state === 'down' && this.now() >= (this.retryAt ?? 0)
  }

  /**
   * Feeds a successful probe. Returns true when the server must be refilled:
   * it was down, or it restarted (its incarnation changed) while we saw it up.
   */
  recordProbe (identity: ServerIdentity): boolean {
    const restarted = this.pid !== undefined && (this.pid !== identity.pid || identity.uptimeS < this.uptimeS)
    this.pid = identity.pid
    this.uptimeS = identity.uptimeS
    if (this._state === 'down' || restarted) {
      this._state = SAFETY_RULES['refill-before-serving'] ? 'recovering' : 'up'
      this.downSince = undefined
      this.retryAt = undefined
      return true
    }
    return false
  }

  /** An up server found empty (our marker gone): read elsewhere until it is refilled. */
  markRecovering (): boolean {
    if (this._state !== 'up' || !SAFETY_RULES['refill-before-serving']) return false
    this._state = 'recovering'
    return true
  }

  recordRefilled (): void {
    if (this._state === 'recovering') this._state = 'up'
  }

  snapshot (): HealthSnapshot {
    return { state: this._state, downSince: this.downSince, retryAt: this.retryAt, lastError: this.lastError, failures: this.failures }
  }
}
