// `npm run bench -- --before DIR`: the web nodes of another built checkout run
// beside ours on the same memcached servers, each goal case of one node runs
// against both in every round (one right after the other), and the section says
// what the change did to throughput, to CPU per request and to each goal's
// ratio. Two runs minutes apart on this shared machine differ more than most
// changes do; two builds measured in the same rounds do not.
import { spawnSync } from 'node:child_process'
import type { CaseStats } from './http-bench.js'
import { roundRatio } from './round-ratio.js'

/** The id of a case's twin on the code before. */
export const beforeId = (id: string): string => `before:${id}`

/** The cases measured on both builds, in the order of the side-by-side table. */
export const TWIN_CASE_IDS: readonly string[] = ['node:read-2', 'node:read-1', 'node:write-2', 'node:write-1', 'size:200 B', 'size:4 KB', 'node:healthz']

/** The goals of one node, the same for both builds; the Goals table states them for our code. */
export const NODE_GOALS = {
  /** cart writes with 2 replicas against 1 */
  writeReplicas: 0.85,
  /** signed-in GET /api/session (2 replicas) against a bare Fastify GET /hello */
  readVsHello: 0.6,
  /** GET /api/session of a 4 KB session against a 200 B one */
  sizeKb4: 0.8
} as const

export interface BuildCommits {
  /** Short commit of the checkout before, and of ours; each with a note when its tree has uncommitted changes. */
  before: string
  now: string
}

/** `git rev-parse --short HEAD` of a checkout, saying so when tracked files differ from it; "?" outside git. */
export function checkoutCommit (dir: string): string {
  const head = spawnSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' })
  if (head.status !== 0) return '?'
  const status = spawnSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' })
  return `${head.stdout.trim()}${status.status === 0 && status.stdout.trim() !== '' ? ' with uncommitted changes' : ''}`
}

export interface GoalRatios {
  goal: string
  before: number
  now: number
  min: number
}

type Cases = Readonly<Record<string, CaseStats | undefined>>

/** Each goal of one node as a ratio of two cases of the same build, the median of the rounds' ratios (the /hello baseline is shared: it runs no code of either). */
export function sideBySideGoals (c: Cases): GoalRatios[] {
  const both = (goal: string, a: string, b: string, min: number, bShared = false): GoalRatios => ({
    goal,
    before: roundRatio(c[beforeId(a)], c[bShared ? b : beforeId(b)]),
    now: roundRatio(c[a], c[b]),
    min
  })
  return [
    both('cart write 2 replicas vs 1 replica', 'node:write-2', 'node:write-1', NODE_GOALS.writeReplicas),
    both('signed-in read (2 replicas) vs /hello', 'node:read-2', 'tool:wrk-t1', NODE_GOALS.readVsHello, true),
    both('4 KB vs 200 B session', 'size:4 KB', 'size:200 B', NODE_GOALS.sizeKb4)
  ]
}

const n0 = (x: number): string => Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–'
const r2 = (x: number): string => Number.isFinite(x) ? `${x.toFixed(2)}×` : '–'

function errors (s: CaseStats | undefined): number {
  return s === undefined ? 0 : s.badStatus + s.socketErrors
}

/** The "side by side" subsection of the HTTP section; "" when no case ran on the code before. */
export function sideBySideSection (c: Cases, commits: BuildCommits): string {
  const ids = TWIN_CASE_IDS.filter((id) => c[id] !== undefined && c[beforeId(id)] !== undefined)
  if (ids.length === 0) return ''
  const rows = ids.map((id) => {
    const now = c[id] as CaseStats
    const before = c[beforeId(id)] as CaseStats
    // a comparison with failed requests on either side is not one: say so in the row
    const bad = [errors(before) > 0 ? `before: ${errors(before)}` : '', errors(now) > 0 ? `now: ${errors(now)}` : ''].filter((x) => x !== '')
    const label = bad.length === 0 ? now.label : `${now.label} (**errors ${bad.join(', ')}**)`
    return `| ${label} | ${n0(before.rps)} | ${n0(now.rps)} | ${r2(now.rps / before.rps)} | ${n0(before.serverCpuUs)} | ${n0(now.serverCpuUs)} | ${r2(now.serverCpuUs / before.serverCpuUs)} |`
  })
  return [
    '### The change, side by side with the code before',
    '',
    `The web nodes of the code before (commit ${commits.before}) ran beside ours (commit ${commits.now}) on the same memcached servers with the same secret and settings: \`web-before\` as web-1 (2 replicas) and \`web-solo-before\` as web-solo (1 replica). In every round each case below ran on our node and on the node before one right after the other (ours first in odd rounds, theirs first in even ones), so both saw the same neighbours. Ratios are now / before: above 1× is faster for req/s, below 1× is cheaper for CPU per request (the node's own CPU).`,
    '',
    '| case | before req/s | now req/s | ratio | before CPU µs/request | now CPU µs/request | ratio |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    'The goals of one node, each the median of its rounds\' ratios (of forward-and-reverse pairs of rounds) of two cases of the same build (the bare Fastify /hello baseline is the same for both):',
    '',
    '| goal | before | now | goal |',
    '| --- | ---: | ---: | ---: |',
    ...sideBySideGoals(c).map((g) => `| ${g.goal} | ${r2(g.before)} | ${r2(g.now)} | ≥ ${g.min}× |`),
    ''
  ].join('\n')
}
