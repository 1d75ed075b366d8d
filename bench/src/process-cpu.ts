// CPU time (user + system) of a process and all its descendants, from
// /proc/<pid>/stat. On two shared cores throughput swings with whatever else
// runs, but the CPU a server spends per request barely does: it is the
// steadier of the two figures, so runs report both.
import { readdirSync, readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

let ticksPerSecond: number | undefined

function clockTicks (): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

interface StatLine { ppid: number, ticks: number }

function readStat (pid: number): StatLine | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may hold spaces; fields after it are fixed
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
    // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15
    return { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) }
  } catch {
    return undefined
  }
}

/** CPU seconds used so far by each root pid and its descendants (nginx's workers, say). */
export function cpuSeconds (rootPids: readonly number[]): Map<number, number> {
  const stats = new Map<number, StatLine>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const s = readStat(Number(entry))
    if (s !== undefined) stats.set(Number(entry), s)
  }
  const rootOf = (pid: number): number | undefined => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (rootPids.includes(p)) return p
      const s = stats.get(p)
      if (s === undefined) return undefined
      p = s.ppid
    }
    return undefined
  }
  const out = new Map<number, number>(rootPids.map((p) => [p, 0]))
  for (const [pid, s] of stats) {
    const root = rootOf(pid)
    if (root !== undefined) out.set(root, (out.get(root) ?? 0) + s.ticks / clockTicks())
  }
  return out
}
