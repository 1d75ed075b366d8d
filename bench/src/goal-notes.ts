// For each missed goal of the HTTP benchmark: what it comes down to, with the
// figures of this run that show it, and what was tried. The cost shares
// quoted come from the CPU profiles of `npm run bench -- profile`
// (PROFILES.md); they are stated as approximate since that is another run.
import type { HttpBenchResult } from './http-bench.js'
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
    notes.push(`**Session read vs /hello.** CPU per request: bare /hello ${us(cpu('tool:wrk-t1'))}, the web node's /healthz ${us(cpu('node:healthz'))}, its GET /api/session ${us(cpu('node:read-2'))}. Even without a session the node reaches only ${times(rps('node:healthz') / rps('tool:wrk-t1'))} of /hello (hooks for headers, request ids and metrics). What a session read adds, by the web-1 profile: request logging (about 15% of the node's CPU: Fastify's two info lines per request and a pino child logger per stored session), three HMACs over the cookie (about 9%: our renewRotatedSignature hook unsigns it, @fastify/session unsigns it again, and \`new Session()\` signs the id once more), @fastify/session's Session object (about 8%: option copies, a Cookie, and a sha256 over a stable stringify of the session on load and again in \`isModified()\`), the store and memcache-client (about 15%), and socket writes (about 26%, two per request: the reply and the memcached command). Tried without touching the services: LOG_LEVEL=warn, a setting, saves about 25% of the node's CPU per read and gives 1.28× the throughput in the A/B runs of PROFILES.md; that alone does not reach 0.40×. The rest needs the code changes in the recommendations.`)
  }
  if (missed('two replicas cost ≤ 5% on reads')) {
    notes.push(`**Replicas on reads.** A read is one \`gets\` on the first replica that is up, with both layouts; two replicas add only the 5% sampled read-repair compare. CPU per read: ${us(cpu('node:read-1'))} with one replica, ${us(cpu('node:read-2'))} with two. A throughput gap with no CPU gap behind it is the machine's noise, not the store.`)
  }
  if (missed('two replicas cost ≤ 15% on writes')) {
    notes.push(`**Replicas on writes.** CPU per write: ${us(cpu('node:write-1'))} with one replica, ${us(cpu('node:write-2'))} with two (${times((cpu('node:write-2') ?? NaN) / (cpu('node:write-1') ?? NaN))}). A write is a \`cas\` on the first replica and a \`set\` of the same value on the second, in parallel: the second replica costs a whole memcache-client command (a promise, the reply parser, its own socket write), and on this machine a command costs about as much as the rest of a small write. In the web-2 profile the store and memcache-client take about 22% and socket writes about 19% of the node's CPU; the store bench below shows the same at the client level (its set with 2 replicas vs 1).`)
  }
  if (missed('our LB ≥ 0.5× nginx on GET /hello')) {
    const bare = c['proxy:bare-proxy:hello']
    notes.push(`**Our LB vs nginx on /hello.** CPU per proxied request: our LB ${us(cpu('proxy:lb:hello'))}, nginx ${us(cpu('proxy:nginx:hello'))}, HAProxy ${us(cpu('proxy:haproxy:hello'))}${bare === undefined ? '' : `, and a bare http-proxy round robin with nothing else ${us(bare.serverCpuUs)}, which reaches only ${times(bare.rps / rps('proxy:nginx:hello'))} of nginx itself`}. /hello leaves the proxy as the only real work, and Node's HTTP server plus client per request cost several times what a C proxy spends on one core: 0.5× nginx is out of reach for any LB built on http-proxy here${bare === undefined ? ' (the full run adds the bare http-proxy reference that shows it)' : ''}. Of what our LB adds on top, by the lb-hello profile: stream.pipeline per response (about 7%: an AbortController and a DOMException each), the forwarder's own per-request bookkeeping (about 18% with the balancer), a pino line and child logger per request (about 4%), our header validation on top of Node's (about 2%), prom-client (about 1%). Tried: LOG_LEVEL=warn, no measurable gain.`)
  }
  if (missed('our LB ≥ 0.8× nginx on GET /api/session')) {
    const bare = c['proxy:bare-proxy:web']
    notes.push(`**Our LB vs nginx on /api/session.** The web nodes do most of the work here, but our LB's ${us(cpu('proxy:lb:web'))} of CPU per request (nginx ${us(cpu('proxy:nginx:web'))}${bare === undefined ? '' : `, bare http-proxy ${us(bare.serverCpuUs)}`}) comes out of the same two cores the three nodes need, so each µs the LB spends is one the nodes lose${bare === undefined ? '' : bare.rps / rps('proxy:nginx:web') >= 0.8 ? `; a bare http-proxy gets ${times(bare.rps / rps('proxy:nginx:web'))} of nginx here, so most of the gap is our LB's own work` : `; even a bare http-proxy gets only ${times(bare.rps / rps('proxy:nginx:web'))} of nginx`}. The LB changes in the recommendations move this ratio; the node changes move it further, since a cheaper node makes the proxy's share of the two cores matter less.`)
  }
  if (missed('a 4 KB session')) {
    notes.push(`**4 KB vs 200 B sessions.** CPU per read: ${us(cpu('size:200 B'))} at 200 B, ${us(cpu('size:4 KB'))} at 4 KB, ${us(cpu('size:64 KB'))} at 64 KB. The cost that grows with the session is @fastify/session's: on every request it runs a stable stringify and a sha256 over the whole session when it builds the Session object and again in \`isModified()\` (the read-only route does not roll). In the web-3 profile (64 KB sessions) that hashing is about 37% of the node's CPU, against about 5% for the store's JSON decode and about 4% for serializing the cart into the reply.`)
  }
  if (missed('once it is marked down')) {
    const f = r.failover
    notes.push(`**p99 after failover.** The normal runs' own p99s spread ${f.normal.map((x) => Math.round(x.p99Ms)).join(' / ')} ms on this shared machine; compare the frozen runs' ${f.after.map((x) => Math.round(x.p99Ms)).join(' / ')} ms. Once memcached-a is marked down every read goes to memcached-b at once (no timeout is paid again), so a gap beyond that spread would be the single remaining memcached serving every read.`)
  }
  if (missed('a frozen memcached')) {
    notes.push('**Frozen memcached.** The longest request exceeded the timeout by more than the normal p99 of the HTTP path: see the failover table for the run.')
  }
  return notes
}
