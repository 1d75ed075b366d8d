// An asymmetric network partition on one machine: one process loses its route
// to one loopback port (a memcached server) while every other process still
// reaches it. This is how real networks break (one direction, one path), and
// the one failure a frozen or killed server does not reproduce: the nodes
// disagree about the server for as long as the partition lasts.
//
// How (Linux, root): the process joins a net_cls cgroup with its own classid,
// and one iptables rule drops its TCP packets to that port on 127.0.0.1:
//   mount -t cgroup -o net_cls none DIR      (or reuse an existing mount)
//   mkdir DIR/G; echo CLASSID > DIR/G/net_cls.classid; echo PID > DIR/G/cgroup.procs
//   iptables -A OUTPUT -o lo -d 127.0.0.1 -p tcp --dport PORT -m cgroup --cgroup CLASSID -j DROP
// Joining the group also retags the sockets the process already has open, so
// a connection made before the partition goes silent too, as it would on a
// real network. heal() undoes every step in reverse order; callers register
// it for the failure path as well (t.after, finally).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The only address a partition may cut: the contract allows no other target. */
const LOOPBACK = '127.0.0.1'

export interface Partition {
  /** The process that lost its route. */
  readonly pid: number
  /** The port on 127.0.0.1 it cannot reach. */
  readonly port: number
  /** Restores the route: rule, group membership, group and mount, in reverse order. Idempotent. */
  heal: () => void
}

/** Why partitions cannot be made here, or undefined when they can. A test skips itself with this text. */
export function partitionUnsupported (): string | undefined {
  if (process.platform !== 'linux') return `partitions need Linux (net_cls cgroups and iptables), this is ${process.platform}`
  if (process.getuid?.() !== 0) return 'partitions need root (a net_cls cgroup and an iptables rule); run as root to include this test'
  if (!readFileSync('/proc/cgroups', 'utf8').split('\n').some((line) => line.startsWith('net_cls\t'))) return 'this kernel has no net_cls cgroup controller'
  if (existingMount() === undefined && cgroup2Only()) return 'the net_cls controller is not mountable here (cgroup v2 only)'
  try {
    execFileSync('iptables', ['-m', 'cgroup', '--help'], { stdio: 'ignore' })
  } catch {
    return 'iptables with the cgroup match is missing (Debian: apt-get install iptables)'
  }
  return undefined
}

/** Where a net_cls hierarchy is already mounted, if anywhere: hierarchies are shared, so it is reused. */
function existingMount (): string | undefined {
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, dir, type, opts] = line.split(' ')
    if (type === 'cgroup' && dir !== undefined && opts?.split(',').includes('net_cls') === true) return dir.replace(/\\040/g, ' ')
  }
  return undefined
}

function cgroup2Only (): boolean {
  return readFileSync('/proc/mounts', 'utf8').split('\n').every((line) => line.split(' ')[2] !== 'cgroup')
}

let serial = 0

/**
 * Cuts process `pid` off from 127.0.0.1:`port` (its outgoing TCP packets are
 * dropped, so connects and commands there go silent, as across a broken
 * route). Throws, having undone what it did, when a step fails.
 */
export function partition (pid: number, port: number): Partition {
  const reason = partitionUnsupported()
  if (reason !== undefined) throw new Error(reason)
  const undo: Array<() => void> = []
  const heal = (): void => {
    // reverse order; every step is tried even if one before it failed
    const errors: string[] = []
    while (undo.length > 0) {
      try {
        undo.pop()?.()
      } catch (err) {
        errors.push((err as Error).message)
      }
    }
    if (errors.length > 0) throw new Error(`healing the partition of pid ${pid} from port ${port}: ${errors.join('; ')}`)
  }
  try {
    let root = existingMount()
    if (root === undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'stk-net-cls-'))
      undo.push(() => { rmdirSync(dir) })
      execFileSync('mount', ['-t', 'cgroup', '-o', 'net_cls', 'none', dir], { stdio: 'pipe' })
      undo.push(() => { execFileSync('umount', [dir], { stdio: 'pipe' }) })
      root = dir
    }
    // A classid unique to this process and partition: major 0x5354 ("ST"), minor from our pid and a counter.
    const minor = ((process.pid & 0xfff) << 4 | (serial++ & 0xf)) & 0xffff
    const classid = (0x5354 << 16 | minor) >>> 0
    const group = join(root, `stickless-partition-${process.pid}-${minor}`)
    mkdirSync(group)
    undo.push(() => { if (existsSync(group)) rmdirSync(group) })
    writeFileSync(join(group, 'net_cls.classid'), String(classid))
    writeFileSync(join(group, 'cgroup.procs'), String(pid))
    undo.push(() => {
      // back to the root group, unless it has exited meanwhile
      if (existsSync(`/proc/${pid}`)) writeFileSync(join(root, 'cgroup.procs'), String(pid))
    })
    const rule = ['OUTPUT', '-o', 'lo', '-d', LOOPBACK, '-p', 'tcp', '--dport', String(port), '-m', 'cgroup', '--cgroup', String(classid), '-j', 'DROP']
    execFileSync('iptables', ['-A', ...rule], { stdio: 'pipe' })
    undo.push(() => { execFileSync('iptables', ['-D', ...rule], { stdio: 'pipe' }) })
  } catch (err) {
    try {
      heal()
    } catch (healErr) {
      throw new Error(`${(err as Error).message}; and undoing it: ${(healErr as Error).message}`, { cause: err })
    }
    throw err
  }
  return { pid, port, heal }
}
