// For each missed goal of the HTTP benchmark: what it comes down to, with the
// figures of this run that show it, and what was tried. The cost shares
// quoted come from the CPU profiles of `npm run bench -- profile`
// (PROFILES.md); they are stated as approximate since that is another run.
import type { CaseStats, HttpBenchResult } from './http-bench.js'
import type { Goal } from './http-section.js'

const us = (x: number | undefined): string => x === undefined || !Number.isFinite(x) ? '–' : `${Math.round(x)} µs`
const times = (x: number): string => Number.isFinite(x) ? `${x.toFixed(2)}×` : '–'

export function missedGoalNotes (r: HttpBenchResult, goals: readonly Goal[]): string[] {
  const c = r.cases
  const missed = (prefix: string): boolean => goals.some((g) => g.goal.startsWith(prefix) && g.met === false)
  const cpu = (id: string): number | undefined => c[id]?.serverCpuUs
  const rps = (id: string): number => c[id]?.rps ?? NaN
  const notes: string[] = []

  if (missed('signed-in GET /api/session')) {
    notes.push(`**Session read vs /hello.** CPU per request: bare /hello ${us(cpu('tool:wrk-t1'))}, the web node's /healthz ${us(cpu('node:healthz'))}, its GET /api/session ${us(cpu('node:read-2'))}. What was cut, one step at a time (\`node bench/dist/src/node-quick.js\`, CPU per read): Fastify's two log lines per request replaced by one optional line (ACCESS_LOG, off by default) written asynchronously, 221 → 136 µs (112 without any line); cookie HMACs cached; gets batched per poll phase instead of per socket callback, 112 → 86 µs; GET /api/session read without @fastify/session's Session object and its two hashes, 89 → 72 µs; with as many replicas as servers, one server first for every key, so a turn's reads are one multi-get, 49 → 46 µs; the read-only route's read without a copy or a write base (getSessionReadOnly), 48 → 44 µs; the request-duration histogram counted by hand (prom-client's observe hashed its labels on every request). What is left: the reply's socket write, the web node's hooks (/healthz against /hello) and the memcached round trip.`)
  }
  if (missed('two replicas cost ≤ 5% on reads')) {
    notes.push(`**Replicas on reads.** A read is one \`gets\` on the first replica that is up with either layout; CPU per read: ${us(cpu('node:read-1'))} with one, ${us(cpu('node:read-2'))} with two. With as many replicas as servers every key has the same first replica, so the gets of one poll phase go out as one multi-get with either layout; what is left is the sampled read-repair (\`readRepairChance\`, 5% of reads compare the other replica) and per-server bookkeeping. Across full runs the ratio has been 0.80× to 1.14×.`)
  }
  if (missed('two replicas cost ≤ 15% on writes')) {
    notes.push(`**Replicas on writes.** CPU per write: ${us(cpu('node:write-1'))} with one replica, ${us(cpu('node:write-2'))} with two (${times((cpu('node:write-2') ?? NaN) / (cpu('node:write-1') ?? NaN))}). No write replaces a revision it has not read, so with two replicas a write is four commands (a \`gets\` and a \`cas\` on each) where one replica needs two; reading for the write (\`expectWrite\`) sends both \`gets\` in the read's multi-get round, and both \`cas\` go out at once, so two rounds, as with one replica. The first replica's \`cas\` orders concurrent writers; a writer that lost there but took the second merges the winner's copy in and stores that everywhere. What the second replica adds is two commands' promises, timers and reply parsing and their share of the socket writes and reads of another connection, on two cores shared with wrk and both memcached servers (docs/store-design.md, "What a second replica costs a write"). Tried before: writes uncorked once per poll phase so many requests share one writev per server, 151 → 125 µs per write with two replicas.`)
  }
  notes.push(...proxyGoalNotes(c, goals))
  if (missed('our LB ≥ 0.95× the bare http-proxy on signed-in')) {
    notes.push(`**Our LB vs the bare http-proxy on signed-in GET /api/session.** CPU per request: our LB ${us(cpu('proxy:lb:web'))}, the bare http-proxy ${us(cpu('proxy:bare-proxy:web'))} (on /hello ${us(cpu('proxy:lb:hello'))} vs ${us(cpu('proxy:bare-proxy:hello'))}). Nothing in our LB costs more because a request is signed in: side-by-side profiles under this load (\`node bench/dist/src/proxy-bench.js --signed-in --profile\`, bench/SIGNED-IN-PROXY.md) have the same syscalls per request for both proxies (one writev and one write, two reads) and our own code (forwarder, response-head copy, X-Forwarded-* and request id, balancer, history, prom-client) at 5–6% of the LB's busy time, against the url.parse of about 4% that only the bare proxy pays; the response-head copy is about 1%. Run to run, with other work on the two cores, the ratio of two Node proxies has swung from 0.77× to 1.07× for the same code, in one run's rounds from 0.5× to 1.7×; \`proxy-bench --signed-in\` reports each round's ratio.`)
  }
  if (missed('our LB ≥ 0.5× nginx on GET /hello')) {
    const bare = c['proxy:bare-proxy:hello']
    notes.push(`**Our LB vs nginx on /hello.** CPU per proxied request: our LB ${us(cpu('proxy:lb:hello'))}, nginx ${us(cpu('proxy:nginx:hello'))}, HAProxy ${us(cpu('proxy:haproxy:hello'))}${bare === undefined ? '' : `, and a bare http-proxy round robin with nothing else ${us(bare.serverCpuUs)}, which reaches ${times(bare.rps / rps('proxy:nginx:hello'))} of nginx`}. Our LB, with health checks, retries, metrics and header hygiene, now costs about what the bare http-proxy costs (it cost 2.7× that before: stream.pipeline per response, a Readable and a promise per attempt, a child logger, a WeakMap entry and a log line per request; see the commits of services/lb). In its profile the two socket writes per request (the request upstream, the response to the client) are about 41% of its time and Node's HTTP client and agent another 14%; our own code is about 4%. nginx does the same work in C in a sixth of the CPU, so 0.5× is out of reach for a proxy built on Node's http module and http-proxy on these two cores.`)
  }
  if (missed('our LB ≥ 0.8× nginx on GET /api/session')) {
    const bare = c['proxy:bare-proxy:web']
    notes.push(`**Our LB vs nginx on /api/session.** Every request costs the proxy's CPU plus a node's plus wrk's, all on the same two cores: our LB ${us(cpu('proxy:lb:web'))} per request${bare === undefined ? '' : ` (bare http-proxy ${us(bare.serverCpuUs)}, ${times(bare.rps / rps('proxy:nginx:web'))} of nginx)`}, nginx ${us(cpu('proxy:nginx:web'))}, a web node's read about ${us(cpu('node:read-2'))}. When the nodes were slow (about 200 µs a read) the proxy's share hid behind them; now that a read costs a quarter of that, the proxy is most of the CPU of a request, and the ratio follows the proxies' CPU: at best (proxy + node + wrk) for nginx over (proxy + node + wrk) for ours, under 0.5 with a Node proxy.`)
  }
  if (missed('a 4 KB session')) {
    notes.push(`**4 KB vs 200 B sessions.** CPU per read: ${us(cpu('size:200 B'))} at 200 B, ${us(cpu('size:4 KB'))} at 4 KB, ${us(cpu('size:64 KB'))} at 64 KB. @fastify/session's hashing of the whole session is gone from this route; the read-only read hands out the decoded session frozen and shared instead of a copy (74 → 61 µs at 4 KB in node-quick), and the route keeps its answer's JSON per shared session object (68 → 53 µs at 4 KB). What still grows with size: the bigger memcached reply (its bytes decoded into a string and compared with the kept copy) and the bigger reply write.`)
  }
  if (missed('once it is marked down')) {
    const f = r.failover
    notes.push(`**p99 after failover.** The normal runs' own p99s spread ${f.normal.map((x) => Math.round(x.p99Ms)).join(' / ')} ms on this shared machine; compare the frozen runs' ${f.after.map((x) => Math.round(x.p99Ms)).join(' / ')} ms. Once memcached-a is marked down every read goes to memcached-b at once (no timeout is paid again), so a gap beyond that spread would be the single remaining memcached serving every read.`)
  }
  if (missed('a frozen memcached')) {
    notes.push('**Frozen memcached.** A read passes over a replica that has been silent for half its timeout (the store\'s readHedgeFraction), so what a read waits beyond that is the node\'s own queueing under load. A cart write cannot pass over the first replica (it orders concurrent writers): it waits until that server has been silent for its timeout, counted from when it fell silent, so after a read that passed over it the write waits only the rest. What either waits beyond its bound is queueing: see the failover table for the run.')
  }
  return notes
}

/** The two proxy goals (proxyGoals in http-section.ts), when missed: what the figures and the profiles (proxy-bench --profile) say. */
export function proxyGoalNotes (c: Readonly<Record<string, CaseStats | undefined>>, goals: readonly Goal[]): string[] {
  const missed = (prefix: string): boolean => goals.some((g) => g.goal.startsWith(prefix) && g.met === false)
  const cpu = (id: string): number | undefined => c[id]?.serverCpuUs
  const notes: string[] = []
  if (missed('our LB at 1 worker')) {
    notes.push(`**Our LB at 1 worker vs the bare http-proxy.** CPU per request: our LB ${us(cpu('proxy:lb:hello'))}, the bare http-proxy ${us(cpu('proxy:bare-proxy:hello'))}. Both profiles (\`node bench/dist/src/proxy-bench.js --profile\`) are the same shape: the two socket writes per request (\`writeLatin1String\` and \`writev\`: the request to the node, the answer to the client) are 41–51% of the busy time, Node's HTTP client and agent (\`addRequest\`, \`ClientRequest\`, \`socketOnData\`) another 10–13%, http-proxy 3–4%, and our own code (services/lb) about 4%: what the bare proxy does not do, a request id (\`randomUUID\`), the X-Forwarded-* rewrite and hop-by-hop header hygiene, three listeners per request for its error paths, a copy of the raw response head, the balancer's and the history's counters and prom-client's request counter. That is the few µs between them, inside the run-to-run spread on this shared machine: the full run of 2026-11-25 measured our LB at 122 µs and the bare http-proxy at 149 µs (1.25× its throughput). Not tried in this session: dropping any of those features, which are the contract's.`)
  }
  if (missed('the best configuration of our LB')) {
    notes.push(`**Our LB vs @fastify/reply-from.** CPU per request: reply-from ${us(cpu('proxy:reply-from:hello'))}, our LB at 1 worker ${us(cpu('proxy:lb:hello'))}. In the profiles reply-from spends about 37% of its busy time in the two socket writes against 41% for ours, and undici's client (about 15%) stands where Node's http client and agent plus http-proxy (about 17%) stand in ours: the difference is the client library, not our features (about 4%). A second worker only helps where there is a core to run it: here wrk, three Fastify nodes and the proxy share two cores, so 2 workers (${us(cpu('proxy:lb-2w:hello'))} per request over the primary and both workers) gain only what the machine has spare. Moving our forwarder from http-proxy to undici is the change that would close the gap at 1 worker; the user asked for http-proxy. On a host where the LB has cores of its own, the workers scale with them; nginx and HAProxy (deploy/) remain the recipes for the highest throughput.`)
  }
  return notes
}
