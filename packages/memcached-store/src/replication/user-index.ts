// The per-user index: which session ids one user has, so "log out everywhere"
// and "your sessions" find them without scanning memcached. It is a record of
// its own (data `{ ids }`), replicated and written with cas like a session.
import type { KeySpace } from '../record/keys.js'
import type { ReplicatedReader } from './replicated-read.js'
import type { ReplicatedWriter } from './replicated-write.js'
import { lifetimeTtl, type LifetimeSettings } from '../policy/session-rules.js'

export interface UserIndexParts {
  readonly keys: KeySpace
  readonly reader: ReplicatedReader
  readonly writer: ReplicatedWriter
  readonly settings: Pick<LifetimeSettings, 'absoluteTimeoutMs'>
  /** ids kept per user: the oldest fall off */
  readonly maxSessionsPerUser: number
  readonly clock: () => number
}

export class UserIndex {
  constructor (private readonly parts: UserIndexParts) {}

  /** The ids indexed for a user, oldest first; some may have ended since. */
  async ids (userId: string): Promise<string[]> {
    const found = await this.parts.reader.read(this.parts.keys.user(userId))
    return idsOf(found?.decoded.record.data)
  }

  /** Adds a session id (moved to the end when present), keeping the newest maxSessionsPerUser. */
  async add (userId: string, sessionId: string): Promise<void> {
    const key = this.parts.keys.user(userId)
    const now = this.parts.clock()
    const ttlS = lifetimeTtl(this.parts.settings)
    await this.parts.writer.write(key, undefined, (current) => {
      const ids = idsOf(current?.data).filter((id) => id !== sessionId)
      ids.push(sessionId)
      return { record: { version: (current?.version ?? 0) + 1, createdAt: current?.createdAt ?? now, writtenAt: now, ttlS, data: { ids: ids.slice(-this.parts.maxSessionsPerUser) } } }
    })
  }

  /** Empties a user's index (after their sessions were destroyed); nothing to do when there is none. */
  async empty (userId: string): Promise<void> {
    const key = this.parts.keys.user(userId)
    await this.parts.writer.write(key, undefined, (current) => current === undefined
      ? undefined
      : { record: { ...current, version: current.version + 1, writtenAt: this.parts.clock(), data: { ids: [] } } })
  }
}

function idsOf (data: Record<string, unknown> | undefined): string[] {
  const ids = data?.ids
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : []
}
