// The invariants every run must keep, checked on its history:
// - every acknowledged write (a login, a cart item) is in the next read of
//   that session from any node, and no item is in a cart twice;
// - no destroyed session comes back (logout, logout everywhere);
// - no request waits on a silent server past that server's timeout, in
//   simulated time, in total over all its commands there;
// - once the run has recovered, every replica of a live session holds every
//   acknowledged item: a refilled server never serves an older revision, and
//   losing any one server after that loses nothing.
import { ValueCipher } from '../src/record/cipher.js'
import { KeySpace } from '../src/record/keys.js'
import { resolveOptions } from '../src/options/options.js'
import { RecordCodec } from '../src/record/record-codec.js'
import { replicasFor } from '../src/policy/replica-set.js'
import type { RequestRecord, Violation } from './history.js'
import { cartOf, sessionId } from './sim-cluster.js'
import type { AbandonedWait } from './sim-network.js'

/** When each session's end was acknowledged, if it was. */
function endsOf (history: readonly RequestRecord[]): Map<number, number> {
  const ended = new Map<number, number>()
  const note = (session: number, at: number): void => { ended.set(session, Math.min(ended.get(session) ?? Infinity, at)) }
  for (const r of history) {
    if (!r.ok) continue
    if (r.kind === 'logout') note(r.session, r.end)
    if (r.kind === 'logout-everywhere') for (const s of r.covers ?? []) note(s, r.end)
  }
  return ended
}

/** When some request that may end the session began (acknowledged or not): after that a read may find it gone. */
function endAttemptsOf (history: readonly RequestRecord[]): Map<number, number> {
  const tried = new Map<number, number>()
  const note = (session: number, at: number): void => { tried.set(session, Math.min(tried.get(session) ?? Infinity, at)) }
  for (const r of history) {
    if (r.kind === 'logout') note(r.session, r.start)
    if (r.kind === 'logout-everywhere') {
      // a session signed in while it ran may or may not be among those it ended
      for (const s of history) if (s.kind === 'login' && s.user === r.user && s.start < r.end) note(s.session, r.start)
    }
  }
  return tried
}

export function checkReads (history: readonly RequestRecord[]): Violation[] {
  const violations: Violation[] = []
  const ended = endsOf(history)
  const endTried = endAttemptsOf(history)
  const logins = new Map(history.filter((r) => r.kind === 'login' && r.ok).map((r) => [r.session, r.end]))
  const adds = history.filter((r) => r.kind === 'add' && r.ok && r.item !== undefined)
  for (const r of history) {
    if (r.read === undefined) continue
    const where = `request ${r.id} (${r.kind} on node ${r.node + 1} at ${r.start.toFixed(3)} ms)`
    const endedAt = ended.get(r.session)
    if (endedAt !== undefined && endedAt < r.start) {
      if (r.read !== null) violations.push({ rule: 'came-back', detail: `session ${r.session} was ended at ${endedAt.toFixed(3)} ms, yet ${where} read it` })
      continue
    }
    const maybeEnded = (endTried.get(r.session) ?? Infinity) < r.end
    const signedIn = logins.get(r.session)
    if (r.read === null) {
      if (signedIn !== undefined && signedIn < r.start && !maybeEnded) violations.push({ rule: 'session-lost', detail: `session ${r.session}, signed in at ${signedIn.toFixed(3)} ms, was not found by ${where}` })
      continue
    }
    const cart = r.read
    const seen = new Set<string>()
    for (const item of cart) {
      if (seen.has(item)) violations.push({ rule: 'applied-twice', detail: `item ${item} is twice in session ${r.session}'s cart as ${where} read it` })
      seen.add(item)
    }
    for (const a of adds) {
      if (a.session === r.session && a.end < r.start && !seen.has(a.item as string)) {
        violations.push({ rule: 'lost-write', detail: `item ${a.item} (acknowledged at ${a.end.toFixed(3)} ms by node ${a.node + 1}) is missing from session ${r.session}'s cart as ${where} read it` })
      }
    }
  }
  return violations
}

/** No request waited on one silent server longer than its timeout, summed over its commands there (overlaps counted once). */
export function checkWaits (waits: readonly AbandonedWait[]): Violation[] {
  const byRequest = new Map<string, AbandonedWait[]>()
  for (const w of waits) {
    const key = `${w.request}@${w.server}`
    byRequest.set(key, [...(byRequest.get(key) ?? []), w])
  }
  const violations: Violation[] = []
  for (const [key, list] of byRequest) {
    const sorted = [...list].sort((a, b) => a.from - b.from)
    let total = 0
    let end = -Infinity
    for (const w of sorted) {
      const from = Math.max(w.from, end)
      if (w.to > from) total += w.to - from
      end = Math.max(end, w.to)
    }
    const limit = list[0]?.timeoutMs ?? 0
    if (total > limit + 1e-6) {
      const [request, server] = key.split('@')
      violations.push({ rule: 'waited-too-long', detail: `request ${request} waited ${total.toFixed(3)} ms in all on silent ${server}, whose timeout is ${limit} ms` })
    }
  }
  return violations
}

/**
 * Once recovered, every replica of a live session holds every acknowledged
 * item, read straight from the simulated servers (`copyOf`): losing any one
 * server now would lose nothing, and no refilled server holds an older revision.
 */
export function checkReplicas (history: readonly RequestRecord[], pool: readonly string[], copyOf: (server: string, key: string) => string | undefined, sessions: number): Violation[] {
  const violations: Violation[] = []
  const keys = new KeySpace('stk:')
  const codec = new RecordCodec(new ValueCipher([]), 1024 * 1024)
  const servers = resolveOptions({ servers: [...pool] }).servers
  for (let s = 0; s < sessions; s++) {
    const user = history.find((r) => r.session === s)?.user
    const ended = history.some((r) => (r.session === s && (r.kind === 'logout' || (r.kind === 'login' && !r.ok))) || (r.kind === 'logout-everywhere' && r.user === user))
    if (ended) continue
    const key = keys.session(sessionId(s))
    const acked = history.filter((r) => r.session === s && r.kind === 'add' && r.ok).map((r) => r.item as string)
    for (const replica of replicasFor(servers, key, Math.min(2, servers.length))) {
      const raw = copyOf(replica.id, key)
      const cart = raw === undefined ? undefined : cartOf(codec.decode(key, raw)?.record.data ?? {})
      const missing = cart === undefined ? acked : acked.filter((item) => !cart.includes(item))
      if (cart === undefined || missing.length > 0) {
        violations.push({ rule: 'stale-replica', detail: `after recovery ${replica.id} holds ${cart === undefined ? 'no copy of' : `a copy without ${missing.join(' ')} of`} session ${s}` })
      }
    }
  }
  return violations
}
