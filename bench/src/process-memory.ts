// Resident memory and file descriptors of a process and all its descendants,
// from /proc: what an idle WebSocket costs a web node or the LB (whose
// workers, with LB_WORKERS above 1, are children of the primary).
import { readdirSync, readFileSync } from 'node:fs'

function parentOf (pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may hold spaces; ppid is the second field after it
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return undefined
  }
}

/** The pid and every live descendant of it. */
export function processTree (root: number): number[] {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const ppid = parentOf(Number(entry))
    if (ppid !== undefined) parents.set(Number(entry), ppid)
  }
  const out = [root]
  for (let i = 0; i < out.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === out[i]) out.push(pid)
  }
  return out.filter((pid) => parents.has(pid))
}

/** VmRSS of the tree, bytes. */
export function rssBytes (root: number): number {
  let total = 0
  for (const pid of processTree(root)) {
    try {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (m !== null) total += Number(m[1]) * 1024
    } catch {
      // exited meanwhile
    }
  }
  return total
}

/** Open file descriptors of each process of the tree. */
export function openFds (root: number): Map<number, number> {
  const out = new Map<number, number>()
  for (const pid of processTree(root)) {
    try {
      out.set(pid, readdirSync(`/proc/${pid}/fd`).length)
    } catch {
      // exited meanwhile
    }
  }
  return out
}

/** The soft "Max open files" of a process (its RLIMIT_NOFILE), or undefined when unreadable. */
export function fdSoftLimit (pid: number): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))
    if (m === null) return undefined
    return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1])
  } catch {
    return undefined
  }
}
