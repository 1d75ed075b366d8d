// One fault of a schedule, from its start to its end, on the simulated
// cluster; each step goes into the run's history.
import type { Fault } from './schedule.js'
import type { SimCluster } from './sim-cluster.js'

/** Simulated time passing: the clock's timers stand behind setTimeout. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms) })

export async function runFault (cluster: SimCluster, fault: Fault, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const net = cluster.net
  const name = 'server' in fault ? (cluster.pool[fault.server % cluster.pool.length] as string) : ''
  switch (fault.kind) {
    case 'restart':
      log(`fault: ${name} killed, back empty after ${fault.downMs} ms`)
      net.kill(name)
      await sleep(fault.downMs)
      net.start(name)
      log(`fault: ${name} started empty`)
      return
    case 'freeze':
      log(`fault: ${name} frozen for ${fault.forMs} ms`)
      net.freeze(name)
      await sleep(fault.forMs)
      net.thaw(name)
      log(`fault: ${name} thawed`)
      return
    case 'slow': {
      const latency = Math.round(timeoutMs * fault.latencyShare)
      log(`fault: ${name} answers in ${latency} ms for ${fault.forMs} ms`)
      net.slow(name, latency)
      await sleep(fault.forMs)
      net.slow(name, undefined)
      log(`fault: ${name} answers at its usual pace`)
      return
    }
    case 'drop':
      log(`fault: ${name} drops its replies for ${fault.forMs} ms`)
      net.drop(name, true)
      await sleep(fault.forMs)
      net.drop(name, false)
      log(`fault: ${name} connections reset, replies flow again`)
      return
    case 'cut':
      log(`fault: node-${fault.node + 1} cut from ${name} for ${fault.forMs} ms`)
      net.cut(fault.node, name, true)
      await sleep(fault.forMs)
      net.cut(fault.node, name, false)
      log(`fault: node-${fault.node + 1} reaches ${name} again`)
      return
    case 'grow':
    case 'shrink':
      await changePool(cluster, fault.kind === 'grow' ? undefined : name, fault.rollPauseMs, log)
  }
}

/**
 * The pool-change procedure of docs/store-design.md: each node restarts on both lists, one at a
 * time; the last rebalances; each restarts on the new list alone; a removed
 * server stops last.
 */
async function changePool (cluster: SimCluster, removed: string | undefined, rollPauseMs: number, log: (line: string) => void): Promise<void> {
  const before = cluster.pool
  if (removed !== undefined && before.length <= 2) return
  const after = removed === undefined ? [...before, cluster.addServer()] : before.filter((id) => id !== removed)
  log(`fault: pool change [${before.join(' ')}] -> [${after.join(' ')}]`)
  for (let i = 0; i < cluster.nodeCount; i++) {
    cluster.restartNode(i, after, before)
    await sleep(rollPauseMs)
  }
  await cluster.rebalance(cluster.nodeCount - 1)
  for (let i = 0; i < cluster.nodeCount; i++) {
    cluster.restartNode(i, after)
    await sleep(rollPauseMs)
  }
  cluster.pool = after
  if (removed !== undefined) {
    cluster.net.kill(removed)
    log(`fault: ${removed} stopped, out of the pool`)
  }
}
