// `npm start`: the whole system on this machine, as child processes, with
// restarts on crash, until Ctrl-C. bootstrap.mjs has built everything already.
import { createInterface } from 'node:readline'
import { Cluster, type ClusterInfo } from '../cluster/index.js'
import { paint as paintAlways, shouldColour, type Colour } from '../cluster/process/line-prefixer.js'
import type { PortMode } from '../cluster/process/free-port.js'
import { parseStartCommand, START_COMMANDS } from './start-commands.js'
import { parseStartFlags, START_USAGE } from './start-flags.js'

const colour = shouldColour(process.stdout)
const paint = (style: Colour, text: string): string => colour ? paintAlways(style, text) : text
const say = (text: string): void => { console.log(`${paint('cyan', '[stickless]')} ${text}`) }

/** Browsers know localhost better than 127.0.0.1; the port is whatever the cluster got. */
function forBrowser (url: string): string {
  return url.replace('//127.0.0.1:', '//localhost:')
}

/** The PID whose SIGTERM stops the cluster: bootstrap.mjs's under `npm start` (it passes signals on), else ours. */
function stopPid (): number {
  const launcher = Number(process.env.STICKLESS_LAUNCHER_PID)
  return Number.isInteger(launcher) && launcher > 0 ? launcher : process.pid
}

function banner (info: ClusterInfo, startedMs: number, portMode: PortMode): string {
  const lines = [
    '',
    paint('bold', `stickless is ready in ${(startedMs / 1000).toFixed(1)} s`),
    '',
    `  open        ${paint('green', forBrowser(info.url))}`,
    `  LB status   ${forBrowser(info.statusUrl)}`,
    `  web nodes   ${info.web.map((w) => `${w.name} ${forBrowser(w.url)}`).join(', ')}`,
    `  memcached   ${info.memcached.map((m) => `${m.name} ${m.address}`).join(', ')}`,
    '',
    '  demo accounts: alice / wonderland, bob / builder',
    '  type `grow` or `shrink` and Enter to change the memcached pool (`help` for more)',
    `  press Ctrl-C, or run \`kill ${stopPid()}\`, to stop everything`,
    ''
  ]
  if (portMode === 'prefer' && !info.url.endsWith(':8080/')) lines.push(paint('yellow', '  note: port 8080 was taken, so the LB is on another port (see above)'), '')
  return lines.join('\n')
}

/**
 * Reads commands from stdin while the cluster runs. terminal: false keeps the
 * TTY in its own mode, so Ctrl-C still reaches us as SIGINT.
 */
function acceptCommands (cluster: Cluster): void {
  const lines = createInterface({ input: process.stdin, terminal: false })
  let busy = false
  lines.on('line', (line) => {
    const command = parseStartCommand(line, cluster.poolNames)
    if (command.kind === 'none') return
    if (command.kind === 'help') return say(START_COMMANDS)
    if (command.kind === 'pool') return say(`memcached pool: ${cluster.poolNames.map((n) => `${n} ${cluster.memcachedAddress(n)}`).join(', ')}`)
    if (command.kind === 'unknown') return say(`unknown command ${JSON.stringify(command.line)}\n${START_COMMANDS}`)
    if (busy) return say('a pool change is under way; wait for it to finish')
    busy = true
    say(`pool change (${command.what}): ${cluster.poolNames.join(', ')}`)
    cluster.changePool(command.change, { onStep: (step) => say(step) })
      .then((r) => say(paint('green', `pool changed in ${(r.ms / 1000).toFixed(1)} s: ${r.after.map((n) => `${n} ${cluster.memcachedAddress(n)}`).join(', ')}; the rebalances copied ${r.rebalancedKeys} keys`)))
      .catch((err: unknown) => say(paint('red', `pool change failed: ${err instanceof Error ? err.message : String(err)}`)))
      .finally(() => { busy = false })
  })
  // Without stdin (a pipe that ended, /dev/null) the cluster simply runs on.
  lines.on('close', () => {})
  // Reading must not keep the process alive once the cluster has stopped.
  process.stdin.unref?.()
}

/** Resolves with an exit code, or undefined while the cluster runs (its children keep the process alive). */
async function main (): Promise<number | undefined> {
  let flags
  try {
    flags = parseStartFlags(process.argv.slice(2), process.env)
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${START_USAGE}`)
    return 2
  }
  if (flags.help) {
    console.log(START_USAGE)
    return 0
  }
  const cluster = new Cluster({
    webNodes: flags.webNodes,
    memcachedServers: flags.memcachedServers,
    portMode: flags.ports,
    secureMemcached: flags.secureMemcached,
    restartOnExit: true,
    // The LB's line per request names the node that answered, so the output
    // shows the round robin; off by default in the LB itself, for its cost.
    lbEnv: { LB_ACCESS_LOG: process.env.LB_ACCESS_LOG ?? 'on' }
  })
  // The cluster's own exit hook stops every process and exits; these only tell the user what happens.
  let stopping = false
  process.once('SIGINT', () => { stopping = true; say('stopping (Ctrl-C again to kill at once)') })
  process.once('SIGTERM', () => { stopping = true; say('stopping') })
  process.once('SIGHUP', () => { stopping = true; say('stopping (hang-up)') })
  // bootstrap.mjs holds an IPC channel to us; it closes when bootstrap is gone,
  // even by SIGKILL, and then nobody would be left to stop the cluster.
  process.once('disconnect', () => { process.kill(process.pid, 'SIGTERM') })
  say(`starting ${flags.memcachedServers} memcached, ${flags.webNodes} web nodes and the LB`)
  const startedAt = Date.now()
  try {
    const info = await cluster.start()
    console.log(banner(info, Date.now() - startedAt, flags.ports))
    acceptCommands(cluster)
    return undefined
  } catch (err) {
    // Interrupted while starting: the exit hook is stopping everything and will exit.
    if (stopping) return undefined
    console.error(paint('red', `\nstickless failed to start: ${err instanceof Error ? err.message : String(err)}`))
    return 1
  }
}

const code = await main()
if (code !== undefined) process.exit(code)
