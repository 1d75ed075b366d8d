import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'
import type { CommandSpec, ResolvedClusterOptions } from '../cluster-options.js'
import { ClusterError } from '../errors.js'

/** The full path of an executable, looked up the way a shell would (plus the sbin dirs root has). */
export function findExecutable (command: string): string | undefined {
  const canRun = (path: string): boolean => {
    try {
      accessSync(path, constants.X_OK)
      return true
    } catch {
      return false
    }
  }
  if (command.includes('/')) return canRun(command) ? command : undefined
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/local/bin', '/usr/bin', '/usr/sbin', '/sbin'])
  return dirs.filter((d) => d !== '').map((d) => join(d, command)).find(canRun)
}

/**
 * Fails before anything is spawned when a command cannot run, with a hint
 * that fixes it: a missing main.js means "build first", not a crash loop.
 */
export function assertCommandExists (role: string, spec: CommandSpec, hint: string): void {
  if (findExecutable(spec.command) === undefined) {
    throw new ClusterError('STK_ERR_CLUSTER_COMMAND_NOT_FOUND', `${role}: ${spec.command} is not an executable on PATH. ${hint}`)
  }
  const script = spec.args?.[0]
  if (script !== undefined && isAbsolute(script) && /\.[cm]?js$/.test(script) && !existsSync(script)) {
    throw new ClusterError('STK_ERR_CLUSTER_COMMAND_NOT_FOUND', `${role}: ${script} does not exist. ${hint}`)
  }
}

/** Fails before anything is spawned when memcached or a service's command cannot run. */
export function assertClusterCommands (commands: ResolvedClusterOptions['commands']): void {
  assertCommandExists('memcached', { command: commands.memcached }, 'Install it (Debian: apt-get install memcached) or set commands.memcached.')
  const build = 'Run `npm run build` first (or pass commands.web / commands.lb).'
  assertCommandExists('web', commands.web, build)
  assertCommandExists('lb', commands.lb, build)
}
