// What the chaos run saw, per phase: requests, failures by status, logouts,
// lost acknowledged writes and latency, and whether each goal held. A failure
// is excused only when it was a write in flight on a web node that got
// SIGKILL: the LB sends a GET the dead node did not answer to another node,
// so a failed GET is always an error.
import type { LostWrite, RequestRecord } from './chaos-users.js'

export interface Phase {
  name: string
  /** What the script did at the start of the phase. */
  action: string
  startMs: number
  endMs: number
  /** A web node SIGKILLed at the start of this phase, and when. */
  killedWeb?: { node: string, atMs: number }
  /** Extra facts (a refill's duration, say). */
  note?: string
}

export interface PhaseStats {
  phase: Phase
  requests: number
  /** status (or network error code) -> count, failures only */
  failures: Map<string, number>
  logouts: number
  lostWrites: number
  /** failures in flight on the SIGKILLed node */
  excused: RequestRecord[]
  /** failures that count against the goals */
  errors: RequestRecord[]
  p50Ms: number
  p99Ms: number
  servedBy: Map<string, number>
}

export interface ChaosVerdict {
  phases: PhaseStats[]
  logouts: number
  lostWrites: number
  errors: number
  excused: number
  requests: number
  passed: boolean
}

function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number
}

/** Anything but a 2xx, except logouts (counted on their own). */
const isFailure = (r: RequestRecord): boolean => !r.logout && (r.status < 200 || r.status >= 300)

/** A write in flight on the killed node: started before the kill, ended after it, and failed the way a dead node fails. */
function inFlightOnKilled (r: RequestRecord, phase: Phase): boolean {
  const k = phase.killedWeb
  if (k === undefined || r.method === 'GET') return false
  if (!(r.startMs <= k.atMs && r.endMs >= k.atMs)) return false
  return r.status === 0 || (r.status === 502 && (r.lbError ?? '').includes(k.node))
}

export function analyse (phases: readonly Phase[], records: readonly RequestRecord[], lost: readonly LostWrite[]): ChaosVerdict {
  const phaseOf = (ms: number): number => {
    let i = 0
    for (let j = 0; j < phases.length; j++) if ((phases[j] as Phase).startMs <= ms) i = j
    return i
  }
  const stats: PhaseStats[] = phases.map((phase) => ({ phase, requests: 0, failures: new Map(), logouts: 0, lostWrites: 0, excused: [], errors: [], p50Ms: NaN, p99Ms: NaN, servedBy: new Map() }))
  const latencies: number[][] = phases.map(() => [])
  for (const r of records) {
    const i = phaseOf(r.startMs)
    const s = stats[i] as PhaseStats
    s.requests++
    latencies[i]?.push(r.endMs - r.startMs)
    if (r.servedBy !== undefined) s.servedBy.set(r.servedBy, (s.servedBy.get(r.servedBy) ?? 0) + 1)
    if (r.logout) s.logouts++
    if (!isFailure(r)) continue
    const key = r.status === 0 ? (r.error ?? 'network error') : String(r.status)
    s.failures.set(key, (s.failures.get(key) ?? 0) + 1)
    // a SIGKILLed node's in-flight requests may be answered just after the
    // phase boundary, so the kill's own phase decides
    const killPhase = phases.find((p) => p.killedWeb !== undefined && r.startMs <= p.killedWeb.atMs && r.endMs >= p.killedWeb.atMs)
    if (killPhase !== undefined && inFlightOnKilled(r, killPhase)) s.excused.push(r)
    else s.errors.push(r)
  }
  for (const l of lost) (stats[phaseOf(l.ackedAtMs)] as PhaseStats).lostWrites++
  stats.forEach((s, i) => {
    const sorted = (latencies[i] ?? []).sort((a, b) => a - b)
    s.p50Ms = percentile(sorted, 0.5)
    s.p99Ms = percentile(sorted, 0.99)
  })
  const sum = (f: (s: PhaseStats) => number): number => stats.reduce((t, s) => t + f(s), 0)
  const logouts = sum((s) => s.logouts)
  const lostWrites = lost.length
  const errors = sum((s) => s.errors.length)
  return { phases: stats, logouts, lostWrites, errors, excused: sum((s) => s.excused.length), requests: records.length, passed: logouts === 0 && lostWrites === 0 && errors === 0 }
}

const fmtMs = (x: number): string => Number.isFinite(x) ? `${Math.round(x)}` : '–'
const sec = (ms: number): string => (ms / 1000).toFixed(1)

function describe (r: RequestRecord): string {
  return `user ${r.user} ${r.method} ${r.path} at ${sec(r.startMs)}–${sec(r.endMs)} s: ${r.status === 0 ? r.error ?? 'no answer' : r.status}${r.lbError !== undefined ? ` (${r.lbError})` : ''}${r.servedBy !== undefined ? ` from ${r.servedBy}` : ''}`
}

export function chaosMarkdown (v: ChaosVerdict, context: { command: string, users: number, machine: string[], durationS: number, lost: readonly LostWrite[], settings: string }): string {
  const verdict = (ok: boolean): string => ok ? '**met**' : '**missed**'
  const lines: string[] = [
    '# Chaos run',
    '',
    `Written by \`${context.command}\` on ${new Date().toISOString().slice(0, 10)}; the run took ${context.durationS} s. ${v.passed ? 'Every goal held.' : '**Some goals were missed** (the command exited non-zero).'}`,
    '',
    ...context.machine,
    '',
    `The whole cluster (2 memcached, 3 web nodes, the LB) runs as processes on free loopback ports through \`Cluster\` (\`@stickless/scripts/cluster\`). ${context.users} virtual users, each signed in once with its own session (\`POST /api/login\`, the two demo accounts in turn), browse through the LB one request at a time, 50–250 ms apart: \`GET /\` (20%), \`GET /api/session\` (50%), \`POST /api/cart\` with a unique item (30%). Every answer is checked: a 401 or a 303 to /login is a logout; every cart item answered 2xx must be in every later cart of that session (each cart answer carries the whole cart, and a last read after the chaos checks again, through the LB and on every web node directly). At 90 items a user checks its cart, logs out on purpose and signs in again (a cart holds 100). ${context.settings}`,
    '',
    '## Goals',
    '',
    '| goal | measured | verdict |',
    '| --- | --- | --- |',
    `| no logouts | ${v.logouts} | ${verdict(v.logouts === 0)} |`,
    `| no lost acknowledged cart writes | ${v.lostWrites} | ${verdict(v.lostWrites === 0)} |`,
    `| no errors, except writes in flight on a SIGKILLed web node | ${v.errors} errors; ${v.excused} in flight on the killed node (named below) | ${verdict(v.errors === 0)} |`,
    '',
    '## Phases',
    '',
    '| phase | at s | what the script did | requests | failures by status | logouts | lost writes | p50 ms | p99 ms | served by |',
    '| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |',
    ...v.phases.map((s) => {
      const failures = [...s.failures].map(([k, n]) => `${k}: ${n}`).join(', ') || '0'
      const served = [...s.servedBy].sort().map(([k, n]) => `${k} ${n}`).join(', ')
      return `| ${s.phase.name} | ${sec(s.phase.startMs)} | ${s.phase.action}${s.phase.note !== undefined ? ` (${s.phase.note})` : ''} | ${s.requests} | ${failures} | ${s.logouts} | ${s.lostWrites} | ${fmtMs(s.p50Ms)} | ${fmtMs(s.p99Ms)} | ${served} |`
    }),
    ''
  ]
  const excused = v.phases.flatMap((s) => s.excused)
  lines.push('## Requests in flight on a SIGKILLed web node', '')
  lines.push(excused.length === 0 ? 'None failed. (The LB sends a request that could not reach a node elsewhere, and retries an idempotent one the dead node had not answered; a POST the node had received would fail with 502 and be listed here.)' : `${excused.length}, excused by the goal:`)
  for (const r of excused) lines.push(`- ${describe(r)}`)
  lines.push('')
  const errors = v.phases.flatMap((s) => s.errors)
  if (errors.length > 0) {
    lines.push('## Errors', '')
    for (const r of errors.slice(0, 50)) lines.push(`- ${describe(r)}`)
    if (errors.length > 50) lines.push(`- ... and ${errors.length - 50} more`)
    lines.push('')
  }
  if (context.lost.length > 0) {
    lines.push('## Lost acknowledged writes', '')
    for (const l of context.lost.slice(0, 50)) lines.push(`- user ${l.user}, item ${l.item}: acknowledged at ${sec(l.ackedAtMs)} s, ${l.how} at ${sec(l.detectedAtMs)} s`)
    lines.push('')
  }
  return lines.join('\n')
}
