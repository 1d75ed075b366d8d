// What one request's memcached commands cost, split into reads and writes.
import type { CommandEvent } from '@stickless/memcached-store'

/** Commands that change nothing on the server; every other one is a write (touch too: it extends a lifetime). */
const READ_COMMANDS = new Set(['gets', 'get', 'stats'])

/**
 * Time spent waiting on memcached by commands of one kind: commands in
 * parallel (one per replica) count once, as the request waited for them
 * together. Commands end in any order, so an interval is merged with the
 * span covered so far; an earlier disjoint one that ends late is added whole.
 */
export class CommandTime {
  commands = 0
  busyMs = 0
  private from = 0
  private until = -Infinity

  add (startedAt: number, durationMs: number): void {
    this.commands++
    const end = startedAt + durationMs
    if (startedAt >= this.until || end <= this.from) {
      this.busyMs += durationMs
      this.from = startedAt
      this.until = end
      return
    }
    if (startedAt < this.from) this.busyMs += this.from - startedAt
    if (end > this.until) this.busyMs += end - this.until
    this.from = Math.min(this.from, startedAt)
    this.until = Math.max(this.until, end)
  }
}

export class StoreTimings {
  readonly read = new CommandTime()
  readonly write = new CommandTime()

  record (event: CommandEvent): void {
    (READ_COMMANDS.has(event.command) ? this.read : this.write).add(event.startedAt, event.durationMs)
  }
}
