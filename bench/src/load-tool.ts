// The two load generators the benchmark can drive: wrk (C, from apt) and
// autocannon (Node, from npm). Each runs as a child under `sh -c '...; times'`
// so we also learn how much CPU the tool itself burned: on two shared cores,
// every CPU-second the load generator takes is one the servers do not get.
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const WRK_SCRIPT = fileURLToPath(new URL('../../configs/wrk-bench.lua', import.meta.url))
const AUTOCANNON_CLI = createRequire(import.meta.url).resolve('autocannon/autocannon.js')

export type LoadToolName = 'wrk' | 'autocannon'

export interface LoadSpec {
  /** Full URL, path included. */
  url: string
  connections: number
  durationS: number
  /** wrk threads (at most `connections`). Default 1. */
  threads?: number
  /** One `sid=...` cookie per line; requests rotate over them (wrk only). */
  cookieFile?: string
  method?: 'GET' | 'POST'
  /** A JSON body (sent as application/json). */
  body?: string
  /** A request slower than this counts as a timeout. Default 10 s. */
  timeoutS?: number
}

export interface LoadResult {
  tool: LoadToolName
  requests: number
  seconds: number
  rps: number
  p50Ms: number
  p90Ms: number
  p99Ms: number
  maxMs: number
  /** Socket errors and timeouts. */
  socketErrors: number
  /** Responses with status >= 400 (wrk) or outside 2xx (autocannon). */
  badStatus: number
  /** CPU (user + system) the load tool used, per request, in microseconds. */
  toolCpuUsPerRequest: number
}

interface Spawned { stdout: string, stderr: string, code: number | null, childCpuS: number }

/** Runs `command args` and then the shell's `times`, whose second line is the children's user and system time. */
async function runTimed (command: string, args: readonly string[]): Promise<Spawned> {
  return await new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', '"$0" "$@"; code=$?; echo TIMES_BEGIN; times; exit $code', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    child.once('error', reject)
    // 'close', not 'exit': at 'exit' the child's output may still be unread,
    // and a busy machine then lost wrk's report (a run "failed" with exit 0)
    child.once('close', (code) => {
      const timesLines = stdout.slice(stdout.indexOf('TIMES_BEGIN')).split('\n').slice(1)
      const seconds = (text: string | undefined): number =>
        [...(text ?? '').matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0)
      resolve({ stdout: stdout.slice(0, Math.max(0, stdout.indexOf('TIMES_BEGIN'))), stderr, code, childCpuS: seconds(timesLines[1]) })
    })
  })
}

export async function runWrk (spec: LoadSpec): Promise<LoadResult> {
  const threads = Math.max(1, Math.min(spec.threads ?? 1, spec.connections))
  const scriptArgs = [spec.cookieFile ?? '-', spec.method ?? 'GET', ...(spec.body !== undefined ? [spec.body] : [])]
  const args = ['-t', String(threads), '-c', String(spec.connections), '-d', `${spec.durationS}s`, '--timeout', `${spec.timeoutS ?? 10}s`, '-s', WRK_SCRIPT, spec.url, '--', ...scriptArgs]
  const r = await runTimed('wrk', args)
  const line = r.stdout.split('\n').find((l) => l.startsWith('WRK_JSON '))
  if (r.code !== 0 || line === undefined) throw new Error(`wrk failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`)
  const j = JSON.parse(line.slice('WRK_JSON '.length)) as Record<string, number>
  const n = (k: string): number => j[k] ?? 0
  const seconds = n('durationUs') / 1e6
  return {
    tool: 'wrk',
    requests: n('requests'),
    seconds,
    rps: n('requests') / seconds,
    p50Ms: n('p50Us') / 1000,
    p90Ms: n('p90Us') / 1000,
    p99Ms: n('p99Us') / 1000,
    maxMs: n('maxUs') / 1000,
    socketErrors: n('connectErrors') + n('readErrors') + n('writeErrors') + n('timeouts'),
    badStatus: n('statusErrors'),
    toolCpuUsPerRequest: n('requests') > 0 ? r.childCpuS * 1e6 / n('requests') : NaN
  }
}

interface AutocannonJson {
  requests: { total: number }
  duration: number
  latency: { p50: number, p90: number, p99: number, max: number }
  errors: number
  timeouts: number
  non2xx: number
}

/** autocannon's CLI in its own process, as one would run it; GET without cookies only. */
export async function runAutocannon (spec: LoadSpec): Promise<LoadResult> {
  if (spec.cookieFile !== undefined || spec.body !== undefined) throw new Error('runAutocannon: plain GETs only')
  const args = [AUTOCANNON_CLI, '--json', '-c', String(spec.connections), '-d', String(spec.durationS), '-t', String(spec.timeoutS ?? 10), spec.url]
  const r = await runTimed(process.execPath, args)
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'))
  if (r.code !== 0 || line === undefined) throw new Error(`autocannon failed (exit ${r.code}): ${r.stderr.trim()}`)
  const j = JSON.parse(line) as AutocannonJson
  return {
    tool: 'autocannon',
    requests: j.requests.total,
    seconds: j.duration,
    rps: j.requests.total / j.duration,
    p50Ms: j.latency.p50,
    p90Ms: j.latency.p90,
    p99Ms: j.latency.p99,
    maxMs: j.latency.max,
    socketErrors: j.errors + j.timeouts,
    badStatus: j.non2xx,
    toolCpuUsPerRequest: j.requests.total > 0 ? r.childCpuS * 1e6 / j.requests.total : NaN
  }
}
