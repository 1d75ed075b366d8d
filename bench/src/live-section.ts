// The "Live sessions" section of RESULTS.md, from a live bench run.
import { LB_ENV, MEMCACHED_COUNTERS, type LiveBenchResult, type LogoutFigures, type OpenFigures, type WindowFigures } from './live-bench.js'

const n = (v: number, digits = 0): string => Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–'
const mb = (bytes: number): string => `${n(bytes / 2 ** 20, 1)} MB`

function counts (record: Record<string, number>): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1])
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${n(v)} × ${k}`).join(', ')
}

function probe (w: WindowFigures): string {
  return `${n(w.probe.count)} answered 200, median ${n(w.probe.medianMs)} ms, slowest ${n(w.probe.maxMs)} ms${w.probe.failed > 0 ? `, ${n(w.probe.failed)} failed` : ''}`
}

function perNode (open: OpenFigures): string {
  return Object.entries(open.perNode).sort().map(([node, c]) => `${node} ${n(c)}`).join(', ')
}

function logoutRow (label: string, l: LogoutFigures): string {
  const all4001 = l.notClosed === 0 && Object.keys(l.codes).length === 1 && l.codes['4001'] === l.sockets.opened
  return `| ${label} | ${n(l.sockets.opened)} of ${n(l.sockets.wanted)} (${perNode(l.sockets)})${Object.keys(l.sockets.failures).length > 0 ? `; failed: ${counts(l.sockets.failures)}` : ''} | ${l.status} in ${n(l.requestMs)} ms | ${counts(l.codes)}${l.notClosed > 0 ? `, ${n(l.notClosed)} still open after 15 s` : ''} ${all4001 ? '(all 4001)' : '(**not all 4001**)'} | ${n(l.medianCloseMs)} ms | ${n(l.slowestCloseMs)} ms | ${n(l.slowestCloseMs - l.requestMs)} ms | ${l.idleOpen === 0 ? '–' : `${n(l.idleStillOpen)} of ${n(l.idleOpen)}`} |`
}

export function liveSection (r: LiveBenchResult, info: { command: string, commit: string, machine: readonly string[] }): string {
  const o = r.options
  const sockets = r.idle.sockets
  const k = sockets / 1000
  const rows: string[] = []
  const row = (label: string, members: readonly string[], memory: boolean): void => {
    const sum = (rec: Record<string, number>): number => members.reduce((s, m) => s + (rec[m] ?? 0), 0)
    const before = sum(r.rssBefore)
    const after = sum(r.rssAfter)
    const socketsHere = members.every((m) => m.startsWith('web-')) ? members.reduce((s, m) => s + (r.open.perNode[m] ?? 0), 0) : sockets
    const base = sum(r.baseline.cpuMsPerS)
    const idle = sum(r.idle.cpuMsPerS)
    rows.push(`| ${label} | ${n(socketsHere)} | ${mb(before)} | ${mb(after)} | ${memory && socketsHere > 0 ? `${n((after - before) / socketsHere / 1024, 1)} KB` : '–'} | ${n(base, 1)} | ${n(idle, 1)} | ${socketsHere > 0 ? n((idle - base) / (socketsHere / 1000), 1) : '–'} |`)
  }
  for (const w of ['web-1', 'web-2', 'web-3']) row(w, [w], true)
  row('web nodes together', ['web-1', 'web-2', 'web-3'], true)
  row(`our LB (${o.lbWorkers} worker${o.lbWorkers === 1 ? '' : 's'})`, ['lb'], true)
  row('memcached ×2', ['memcached-a', 'memcached-b'], false)

  const ops = MEMCACHED_COUNTERS.map((c) => `| \`${c}\` | ${n(r.baseline.memcachedPerS[c], 1)} | ${n(r.idle.memcachedPerS[c], 1)} | ${k > 0 ? n((r.idle.memcachedPerS[c] - r.baseline.memcachedPerS[c]) / k, 1) : '–'} |`)
  const lim = r.limits

  return [
    '## Live sessions: WebSockets through our LB',
    '',
    `Idle WebSockets on \`GET /api/live\` through our LB (services/lb, ${o.lbWorkers} worker${o.lbWorkers === 1 ? '' : 's'}) onto web-1..3 (2 memcached replicas, \`LIVE_CHECK_INTERVAL_MS\` 1000), one session per socket: memory, CPU and memcached operations over a ${n(o.windowS)} s idle window against the same window with no socket open, then one logout everywhere of a user with ${n(o.logoutSessions * o.socketsPerSession)} sockets (${n(o.logoutSessions)} sessions × ${n(o.socketsPerSession)}) over the three nodes. The machine's load when the run started is below.`,
    '',
    `- Command: \`${info.command}\` (${n(r.seconds)} s); commit ${info.commit}; Node ${r.nodeVersion} (every process of the run: the bench, the web nodes and the LB).`,
    ...info.machine,
    `- Sessions: ${n(r.logins.count)} real logins of bob (${n(r.logins.ms)} ms), then ${n(r.clones.count)} copies written straight to memcached (${n(r.clones.ms)} ms; one write per replica each, cookies signed with the nodes' secret). The copies are in no user's session index (the bench's store writes them with another user field), which does not matter for idle sockets: the once-a-second re-validation peeks every socket's session by id; only the per-user listing (one user with idle sockets here, listed every tick) reads the index. The logout case is alice's, because a logout everywhere also closes every socket of its user on the node that serves it, at once, and bob's copies would be among them there (and, in no index, would survive it on the other nodes).`,
    `- Opening: ${n(r.open.opened)} of ${n(r.open.wanted)} sockets opened through the LB, ${n(o.inFlight)} upgrades in flight, in ${n(r.open.seconds, 1)} s (${n(r.open.opened / r.open.seconds)} a second, each to its hello); failures: ${counts(r.open.failures)}; per node: ${perNode(r.open)}. Closed during the idle window: ${counts(r.closedDuringWindow)}.`,
    lim.limitedBy === undefined
      ? `- Descriptors: ${n(r.open.wanted)} sockets fit: the LB may open ${lim.lbFdSoftLimit === undefined ? '?' : n(lim.lbFdSoftLimit)} files per process, held ${n(lim.lbFdsAtRest)} at rest and ${n(lim.lbFdsWithSockets)} with the sockets open (2 per socket: the client's and the node's). Soft limits seen in /proc: ${Object.entries(lim.fdSoftLimits).map(([p, v]) => `${p} ${v === undefined ? '?' : n(v)}`).join(', ')}.`
      : `- Descriptors: **${n(o.sockets)} sockets did not fit, ${n(r.open.wanted)} measured**, limited by ${lim.limitedBy}. The LB held ${n(lim.lbFdsWithSockets)} descriptors with the sockets open. \`LB_WORKERS=2\` would hold 10,000 (each worker has its own limit); \`LB_MAX_UPGRADED_SOCKETS\` (20,000 per process by default) is above what a 20,000-descriptor process can hold, so on such a host the descriptor limit, not the LB's cap, refuses first.`,
    `- The LB runs with ${Object.entries(LB_ENV).map(([k, v]) => `\`${k}=${v}\``).join(', ')} (defaults: 120000, 1000, 2, 500). On this shared machine (load average above 10 on its 2 cores) the defaults let a web node starved during the opening burst fail two 1 s health checks: the LB took it out and cut all its sockets (1006), and upgrades got 503 while every node was ejected, so a run measured reconnects rather than idle sockets. Warnings in the logs from the cluster being up to the end of the last case: ${counts(r.logEvents)}.`,
    '- RSS is read without forcing a garbage collection, after each window.',
    '',
    `| process | sockets | RSS, no socket | RSS, ${n(sockets)} sockets | memory per socket | CPU ms/s, no socket | CPU ms/s, ${n(sockets)} sockets | extra CPU ms/s per 1,000 sockets |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `A user's request beside the sockets: \`GET /api/session\` through the LB every 250 ms during each window: with no socket ${probe(r.baseline)}; with ${n(sockets)} sockets ${probe(r.idle)}.`,
    '',
    'memcached operations a second, both servers together (`stats` deltas; `cmd_get` counts keys, so a multi-get of 500 keys counts 500):',
    '',
    `| counter | no socket | ${n(sockets)} sockets | extra per 1,000 sockets |`,
    '| --- | ---: | ---: | ---: |',
    ...ops,
    '',
    `Logout everywhere (\`POST /api/logout-everywhere\` through the LB) of a user with ${n(o.logoutSessions)} real sessions × ${n(o.socketsPerSession)} sockets through the LB, ${n(o.logoutRounds)} rounds with the idle sockets open, then ${n(o.logoutRounds)} after they were closed; each close timed from the request (the contract: every socket of an ended session closed with 4001 within 2 s):`,
    '',
    '| case | sockets (per node) | request | close codes | median close | slowest close | slowest close after the answer | idle sockets still open after |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: |',
    ...r.logoutWithIdle.map((l, i) => logoutRow(`with ${n(l.idleOpen)} idle sockets open, round ${i + 1}`, l)),
    ...r.logoutAlone.map((l, i) => logoutRow(`alone, round ${i + 1}`, l)),
    ''
  ].join('\n')
}
