// How long a server has said nothing while it owed us a reply: the one fact
// both the hedged read and every command's timeout are measured from. A pure
// policy with an injected clock, so it is tested without sockets.
//
// Why it exists: the read and the write of one request are separate calls
// (@fastify/session's get, then set). A read that passes over a silent
// replica after half its timeout would, with each command timed from its own
// send, be followed by a write that starts a fresh, full timeout on the same
// server: 1.5 timeouts for one request. Measured from when the server fell
// silent, every command waiting on it gives up at the same moment, so no
// request (nor anything else) waits on a silent server longer than its
// timeout in total, however many commands it sends there.

import { SAFETY_RULES } from './safety-rules.js'

/** A command's deadline, and whether it counts from an earlier silence rather than from its own send. */
export interface Deadline {
  readonly at: number
  readonly inherited: boolean
}

export class Silence {
  private lastReply = Number.NEGATIVE_INFINITY
  /** Commands sent and not settled: id -> when sent, in send order (memcached answers in order). */
  private readonly owed = new Map<number, number>()
  private nextId = 0

  constructor (private readonly now: () => number = () => performance.now()) {}

  /** When the server last answered anything; -Infinity before its first reply. */
  get lastReplyAt (): number {
    return this.lastReply
  }

  /**
   * A command is about to be sent: its deadline if the server says nothing,
   * and its id for `settled`. The deadline is `timeoutMs` after the server
   * fell silent (it owes a reply and has said nothing since), so a command
   * sent to a server that is already silent waits only what is left of that
   * timeout. A silence older than a whole timeout is one whose commands are
   * still pending only because our own loop ran late and gave them grace;
   * then this command waits its own full timeout, as before.
   */
  send (timeoutMs: number): { id: number, deadline: Deadline } {
    const t = this.now()
    const since = this.silentSince()
    const id = this.nextId++
    this.owed.set(id, t)
    if (since === undefined || since + timeoutMs <= t || !SAFETY_RULES['one-wait']) return { id, deadline: { at: t + timeoutMs, inherited: false } }
    return { id, deadline: { at: since + timeoutMs, inherited: true } }
  }

  /** The server answered something (any command: it is not frozen). */
  replied (): void {
    this.lastReply = this.now()
  }

  /** A command is over: answered, or given up on at its deadline. */
  settled (id: number): void {
    this.owed.delete(id)
  }

  /** Since when the server has owed a reply and said nothing; undefined when it owes none. */
  silentSince (): number | undefined {
    // the oldest command still owed: a Map keeps insertion order
    const oldest = this.owed.values().next()
    return oldest.done === true ? undefined : Math.max(oldest.value, this.lastReply)
  }

  /** How long it has been silent (0 when it owes nothing). */
  silentFor (): number {
    const since = this.silentSince()
    return since === undefined ? 0 : Math.max(0, this.now() - since)
  }
}
