// Listing and clearing every session of one keyPrefix, for admin pages,
// express-session's all/length/clear and tests: found with `lru_crawler
// metadump` (the refill's listing), so the cost grows with everything the
// servers hold. Not for each request.
import { storeError } from '../errors.js'
import type { ServerConnection } from '../connection/server-connection.js'
import type { LiveRecord } from '../record/session-record.js'

export interface ListingParts {
  readonly servers: readonly ServerConnection[]
  readonly keyPrefix: string
  readonly batchSize: number
  /** a session's record when it is live at `now`, read without extending it */
  readonly peekLive: (sessionId: string, now: number) => Promise<LiveRecord | undefined>
  /** waits until no refill runs, so none copies back what clear deletes */
  readonly settled: () => Promise<boolean>
  readonly clock: () => number
}

export class SessionListing {
  constructor (private readonly parts: ListingParts) {}

  /** Every live session by id, each read from its replicas in batches that share multi-gets. */
  async all (): Promise<Map<string, LiveRecord>> {
    const prefix = `${this.parts.keyPrefix}s:`
    const ids = [...await this.listedKeys((key) => key.startsWith(prefix))].map((key) => key.slice(prefix.length))
    const out = new Map<string, LiveRecord>()
    const batch = this.parts.batchSize
    for (let i = 0; i < ids.length; i += batch) {
      const now = this.parts.clock()
      await Promise.all(ids.slice(i, i + batch).map(async (id) => {
        const record = await this.parts.peekLive(id, now)
        if (record !== undefined) out.set(id, record)
      }))
    }
    return out
  }

  /**
   * Deletes every session and user index of this keyPrefix on every server;
   * other keys (another keyPrefix, another app) are left alone, and nothing
   * is flushed. Every server must be up: one that is down would keep its
   * copies and serve them again once back, so clear then fails with
   * STK_ERR_STORE_UNAVAILABLE. A refill in progress (this node's) is waited
   * for, so it cannot copy back what clear deletes.
   */
  async clear (): Promise<void> {
    const { servers, keyPrefix, batchSize } = this.parts
    const down = servers.filter((c) => !c.health.writable)
    if (down.length > 0) throw storeError('STK_ERR_STORE_UNAVAILABLE', `clear needs every server up; down: ${down.map((c) => c.id).join(', ')}`)
    const prefixes = [`${keyPrefix}s:`, `${keyPrefix}u:`]
    await this.parts.settled()
    // A read-repair sent just before (by a read of `all`, say) can land after
    // the delete and put a key back: a pass that finds keys left is repeated.
    for (let pass = 0; pass < 3; pass++) {
      let found = 0
      await Promise.all(servers.map(async (conn) => {
        const keys = (await conn.listKeys()).map((e) => e.key).filter((key) => prefixes.some((p) => key.startsWith(p)))
        found += keys.length
        for (let i = 0; i < keys.length; i += batchSize) {
          await Promise.all(keys.slice(i, i + batchSize).map((key) => conn.delete(key)))
        }
      }))
      if (found === 0) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /** Keys matching `wanted` on every server not down (metadump); fails only when no server could list. */
  private async listedKeys (wanted: (key: string) => boolean): Promise<Set<string>> {
    const keys = new Set<string>()
    const listed = await Promise.allSettled(this.parts.servers.filter((c) => c.health.writable).map((c) => c.listKeys()))
    let answered = 0
    for (const r of listed) {
      if (r.status !== 'fulfilled') continue
      answered++
      for (const e of r.value) if (wanted(e.key)) keys.add(e.key)
    }
    if (answered === 0) throw storeError('STK_ERR_STORE_UNAVAILABLE', 'no server could list its keys')
    return keys
  }
}
