// Reads a V8 .cpuprofile (`node --cpu-prof`) and says where the time went:
// self time per function, and total (inclusive) time per function, both as a
// share of the samples taken while the process was busy (idle excluded).
//
// `node bench/dist/src/profile-summary.js FILE.cpuprofile [top]`
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { BenchArgsError, integerFlag, noPositionals, parseBenchArgs } from './bench-args.js'

export interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  hitCount?: number
  children?: number[]
}

export interface CpuProfile {
  nodes: ProfileNode[]
  samples?: number[]
  timeDeltas?: number[]
}

export interface ProfileLine {
  name: string
  /** Share of busy samples, 0..1. */
  share: number
}

export interface ProfileSummary {
  busyMs: number
  idleMs: number
  self: ProfileLine[]
  inclusive: ProfileLine[]
  /** Self time grouped by where the code lives: a package, node internals, our services. */
  byOrigin: ProfileLine[]
}

/** Where a frame's code lives: `fastify`, `pino`, `node:internal`, `services/web`, ... */
export function originOf (url: string): string {
  if (url === '') return '(native/VM)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url)
  }
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url
  const m = /(services\/[^/]+|packages\/[^/]+|bench|scripts)\//.exec(url)
  return m?.[1] ?? url
}

function frameName (n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame
  const file = url === '' ? '' : ` ${url.replace(/^file:\/\/.*?\/(node_modules|services|packages)\//, '$1/')}:${lineNumber + 1}`
  return `${functionName === '' ? '(anonymous)' : functionName}${file}`
}

const NOT_BUSY = new Set(['(idle)', '(program)', '(garbage collector)'])

/** Module loading and bootstrap: the process starting, not serving. */
function isStartupFrame (n: ProfileNode): boolean {
  const { url, functionName } = n.callFrame
  return url.includes('internal/modules/') || url.includes('internal/bootstrap/') || url.includes('internal/process/pre_execution') || functionName === 'evaluate'
}

/** Ids of nodes whose stack holds a start-up frame; their samples are left out of every share. */
function startupNodes (profile: CpuProfile): Set<number> {
  const out = new Set<number>()
  const visit = (id: number, inStartup: boolean, byId: Map<number, ProfileNode>): void => {
    const node = byId.get(id)
    if (node === undefined) return
    const here = inStartup || isStartupFrame(node)
    if (here) out.add(id)
    for (const c of node.children ?? []) visit(c, here, byId)
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const root = profile.nodes[0]
  if (root !== undefined) visit(root.id, false, byId)
  return out
}

export function summarizeProfile (profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfMs = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  const startup = startupNodes(profile)
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number
    if (startup.has(id)) continue
    // a sample's time is the delta to the next sample
    const ms = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000
    selfMs.set(id, (selfMs.get(id) ?? 0) + ms)
  }
  let idleMs = 0
  let busyMs = 0
  const selfByName = new Map<string, number>()
  const byOrigin = new Map<string, number>()
  for (const [id, ms] of selfMs) {
    const node = byId.get(id)
    if (node === undefined) continue
    if (node.callFrame.functionName === '(idle)') { idleMs += ms; continue }
    busyMs += ms
    const name = frameName(node)
    selfByName.set(name, (selfByName.get(name) ?? 0) + ms)
    const origin = NOT_BUSY.has(node.callFrame.functionName) ? node.callFrame.functionName : originOf(node.callFrame.url)
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + ms)
  }
  // inclusive: a function's self time plus its subtree's, counted once per
  // stack even when it recurses
  const inclusive = new Map<string, number>()
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id)
    if (node === undefined) return 0
    let total = node.callFrame.functionName === '(idle)' || startup.has(id) ? 0 : (selfMs.get(id) ?? 0)
    const name = frameName(node)
    const first = !onStack.has(name)
    if (first) onStack.add(name)
    for (const child of node.children ?? []) total += walk(child, onStack)
    if (first) {
      onStack.delete(name)
      if (!NOT_BUSY.has(node.callFrame.functionName) && node.callFrame.functionName !== '(root)') inclusive.set(name, (inclusive.get(name) ?? 0) + total)
    }
    return total
  }
  const root = profile.nodes[0]
  if (root !== undefined) walk(root.id, new Set())
  const lines = (m: Map<string, number>): ProfileLine[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({ name, share: busyMs > 0 ? ms / busyMs : 0 }))
  return { busyMs, idleMs, self: lines(selfByName), inclusive: lines(inclusive), byOrigin: lines(byOrigin) }
}

/**
 * Decides whether a sample belongs to a cost centre. `stack` is the sampled
 * frame first, then its callers up to the root; `owner` is the index in
 * `stack` of the nearest frame of JavaScript we or a package wrote (not
 * Node's internals, not native code): the code that asked for the work.
 */
export type SampleTest = (stack: readonly ProfileNode[], owner: number) => boolean

/** Share of busy samples (idle, GC, start-up excluded) that `test` claims. */
export function sampleShare (profile: CpuProfile, test: SampleTest): number {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const startup = startupNodes(profile)
  const memo = new Map<number, boolean>()
  const claimed = (id: number): boolean => {
    const known = memo.get(id)
    if (known !== undefined) return known
    const stack: ProfileNode[] = []
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
      const node = byId.get(p)
      if (node !== undefined) stack.push(node)
    }
    const owner = stack.findIndex((n) => n.callFrame.url !== '' && !n.callFrame.url.startsWith('node:'))
    const result = test(stack, owner)
    memo.set(id, result)
    return result
  }
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  let busy = 0
  let hit = 0
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number
    const node = byId.get(id)
    if (node === undefined || NOT_BUSY.has(node.callFrame.functionName) || startup.has(id)) continue
    const ms = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000
    busy += ms
    if (claimed(id)) hit += ms
  }
  return busy > 0 ? hit / busy : 0
}

export function readProfile (file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
}

export function formatSummary (title: string, s: ProfileSummary): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`.padStart(6)
  return [
    `### ${title}`,
    `busy ${(s.busyMs / 1000).toFixed(2)} s, idle ${(s.idleMs / 1000).toFixed(2)} s; shares are of busy time (start-up excluded)`,
    '',
    'self time by origin:',
    ...s.byOrigin.map((l) => `  ${pct(l.share)}  ${l.name}`),
    'self time by function:',
    ...s.self.map((l) => `  ${pct(l.share)}  ${l.name}`),
    'inclusive time by function:',
    ...s.inclusive.map((l) => `  ${pct(l.share)}  ${l.name}`),
    ''
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const usage = 'usage: profile-summary.js FILE.cpuprofile [top]'
  const { file, top } = parseBenchArgs(process.argv.slice(2), {}, usage, ({ positionals }) => {
    const [file, top, ...rest] = positionals
    if (file === undefined) throw new BenchArgsError('a .cpuprofile file is needed')
    noPositionals(rest)
    return { file, top: integerFlag('top', top, 15) }
  })
  const profile = readProfile(file)
  console.log(formatSummary(file, summarizeProfile(profile, top)))
}
