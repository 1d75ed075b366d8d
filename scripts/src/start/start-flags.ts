import { parseArgs } from 'node:util'
import { invalidOption } from '../cluster/errors.js'
import type { PortMode } from '../cluster/process/free-port.js'

export interface StartFlags {
  /** --web-nodes N or WEB_NODES. Default 3. */
  webNodes: number
  /** --memcached N or MEMCACHED_SERVERS. Default 2. */
  memcachedServers: number
  /** --ports MODE or STICKLESS_PORTS. Default 'prefer' (see PortMode). */
  ports: PortMode
  /** --secure-memcached or STICKLESS_SECURE_MEMCACHED=1. Default false. */
  secureMemcached: boolean
  help: boolean
}

export const START_USAGE = `usage: npm start -- [--web-nodes N] [--memcached N] [--ports MODE] [--secure-memcached]

  --web-nodes N   web nodes to run, 1 to 9 (env WEB_NODES, default 3)
  --memcached N   memcached servers to run, 1 to 9 (env MEMCACHED_SERVERS, default 2)
  --ports MODE    prefer: the contract's ports, another where one is taken (default);
                  strict: the contract's ports or fail; ephemeral: free ports only,
                  to run a second cluster beside the first (env STICKLESS_PORTS)
  --secure-memcached
                  memcached with TLS and authentication (a throwaway CA and password
                  per run), SESSION_SERVERS as tls://user:password@...
                  (env STICKLESS_SECURE_MEMCACHED=1)
  -h, --help      show this help

While it runs, type on its input (then Enter):
  grow            start one more memcached server and roll the web nodes onto
                  the bigger pool, sessions intact (README, "Changing the memcached pool")
  shrink [NAME]   the reverse: roll NAME (default: the last server) out, then stop it
  pool            show the memcached pool

Other env: SESSION_SECRETS (default: a random secret per run), NO_COLOR, FORCE_COLOR.`

const PORT_MODES: readonly PortMode[] = ['prefer', 'strict', 'ephemeral']

function portMode (option: string, raw: string | undefined): PortMode {
  if (raw === undefined || raw === '') return 'prefer'
  const mode = PORT_MODES.find((m) => m === raw)
  if (mode === undefined) throw invalidOption(option, raw, PORT_MODES.join(', '))
  return mode
}

function flag (option: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === '0') return false
  if (raw === '1') return true
  throw invalidOption(option, raw, '1 or 0')
}

function count (option: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > 9) throw invalidOption(option, raw, 'an integer from 1 to 9')
  return n
}

/** Flags win over env, env over defaults; a bad value is a coded error naming where it came from. */
export function parseStartFlags (argv: readonly string[], env: NodeJS.ProcessEnv): StartFlags {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'web-nodes': { type: 'string' },
      memcached: { type: 'string' },
      ports: { type: 'string' },
      'secure-memcached': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true,
    allowPositionals: false
  })
  return {
    webNodes: values['web-nodes'] !== undefined ? count('--web-nodes', values['web-nodes'], 3) : count('WEB_NODES', env.WEB_NODES, 3),
    memcachedServers: values.memcached !== undefined ? count('--memcached', values.memcached, 2) : count('MEMCACHED_SERVERS', env.MEMCACHED_SERVERS, 2),
    ports: values.ports !== undefined ? portMode('--ports', values.ports) : portMode('STICKLESS_PORTS', env.STICKLESS_PORTS),
    secureMemcached: values['secure-memcached'] ?? flag('STICKLESS_SECURE_MEMCACHED', env.STICKLESS_SECURE_MEMCACHED),
    help: values.help ?? false
  }
}
