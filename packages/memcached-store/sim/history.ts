// What a run did, as the invariants read it: every request with when it began
// and ended, what it read and whether it was acknowledged.
import type { RequestKind } from './schedule.js'

export interface RequestRecord {
  readonly id: number
  readonly kind: RequestKind | 'login' | 'final-read'
  readonly session: number
  readonly user: number
  readonly node: number
  readonly start: number
  end: number
  /** acknowledged: the store call resolved */
  ok: boolean
  /** the error code when it failed */
  code?: string | undefined
  /** the item a cart add appends */
  readonly item?: string | undefined
  /** what the request's read found: the cart, or null (no live session); undefined when it read nothing */
  read?: string[] | null | undefined
  /** for logout everywhere: the sessions of the user signed in (acknowledged) before it began */
  covers?: readonly number[] | undefined
}

export interface Violation {
  readonly rule: 'lost-write' | 'session-lost' | 'came-back' | 'applied-twice' | 'waited-too-long' | 'stale-replica'
  readonly detail: string
}
