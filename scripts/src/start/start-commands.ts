// What `npm start` understands on its standard input while the cluster runs:
// one word a line, to change the memcached pool by README's procedure.
import type { PoolChange } from '../cluster/pool-change.js'

export type StartCommand =
  | { kind: 'change', change: PoolChange, what: string }
  | { kind: 'pool' }
  | { kind: 'help' }
  | { kind: 'none' }
  | { kind: 'unknown', line: string }

export const START_COMMANDS = `while it runs, type a command and Enter:
  grow            start one more memcached server and roll it into the pool
  shrink [NAME]   roll a server out of the pool and stop it (default: the last one)
  pool            show the memcached pool
  help            show this list`

/** Parses one line; `pool` is the current pool, so `shrink` alone names its last server. */
export function parseStartCommand (line: string, pool: readonly string[]): StartCommand {
  const [word = '', ...rest] = line.trim().split(/\s+/)
  switch (word.toLowerCase()) {
    case '': return { kind: 'none' }
    case 'grow': return rest.length === 0 ? { kind: 'change', change: { add: 1 }, what: 'grow by one server' } : { kind: 'unknown', line }
    case 'shrink': {
      if (rest.length > 1) return { kind: 'unknown', line }
      const name = rest[0] ?? pool[pool.length - 1] ?? ''
      return { kind: 'change', change: { remove: [name] }, what: `shrink: retire ${name}` }
    }
    case 'pool': return { kind: 'pool' }
    case 'help': case '?': return { kind: 'help' }
    default: return { kind: 'unknown', line }
  }
}
