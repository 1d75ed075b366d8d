import { parseArgs } from 'node:util'
import { invalidOption } from './cluster/errors.js'

export interface StartFlags {
  /** --web-nodes N or WEB_NODES. Default 3. */
  webNodes: number
  /** --memcached N or MEMCACHED_SERVERS. Default 2. */
  memcachedServers: number
  help: boolean
}

export const START_USAGE = `usage: npm start -- [--web-nodes N] [--memcached N]

  --web-nodes N   web nodes to run, 1 to 9 (env WEB_NODES, default 3)
  --memcached N   memcached servers to run, 1 to 9 (env MEMCACHED_SERVERS, default 2)
  -h, --help      show this help

Other env: SESSION_SECRETS (default: a random secret per run), NO_COLOR, FORCE_COLOR.`

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
      help: { type: 'boolean', short: 'h' }
    },
    strict: true,
    allowPositionals: false
  })
  return {
    webNodes: values['web-nodes'] !== undefined ? count('--web-nodes', values['web-nodes'], 3) : count('WEB_NODES', env.WEB_NODES, 3),
    memcachedServers: values.memcached !== undefined ? count('--memcached', values.memcached, 2) : count('MEMCACHED_SERVERS', env.MEMCACHED_SERVERS, 2),
    help: values.help ?? false
  }
}
