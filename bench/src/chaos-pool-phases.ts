// The chaos run's pool changes, under the same 50 users: grow the memcached
// pool 2 → 3, then shrink it 3 → 2, each by the README's procedure
// ("Changing the memcached pool") through Cluster.changePool(): start the
// new server, roll the web nodes with SESSION_SERVERS_PREVIOUS, wait for the
// last node's rebalance, roll them again on the new pool alone, stop the
// retired server. Each change is a phase of its own, so the report gives
// each its requests, logouts, lost writes and p99.
import type { Cluster } from '@stickless/scripts/cluster'
import type { Phase } from './chaos-report.js'

/** chaos.ts's phase(): runs `act` as the phase's action, then holds `hold` ms. */
export type PhaseRunner = (name: string, action: string, act: () => Promise<Partial<Phase> | void>, hold?: number) => Promise<void>

export async function poolChangePhases (cluster: Cluster, phase: PhaseRunner, log: (line: string) => void): Promise<void> {
  const onStep = (step: string): void => { log(`  ${step.trim()}`) }
  const before = cluster.poolNames
  await phase(`grow ${before.length} → ${before.length + 1}`, 'start one more memcached server; roll the web nodes onto the bigger pool with SESSION_SERVERS_PREVIOUS, wait for the last node\'s rebalance, roll them again on the new pool alone', async () => {
    const r = await cluster.changePool({ add: 1 }, { onStep })
    return { note: `${r.added.join(', ')} added in ${(r.ms / 1000).toFixed(1)} s; the rebalances copied ${r.rebalancedKeys} keys` }
  })
  // The server just added goes again, so the run's last phase still finds memcached-1 and memcached-2.
  const grown = cluster.poolNames
  const retire = grown[grown.length - 1] as string
  await phase(`shrink ${grown.length} → ${grown.length - 1}`, `roll the web nodes onto the pool without ${retire} with SESSION_SERVERS_PREVIOUS, wait for the last node's rebalance, roll them again on the new pool alone, stop ${retire}`, async () => {
    const r = await cluster.changePool({ remove: [retire] }, { onStep })
    return { note: `${r.removed.join(', ')} retired in ${(r.ms / 1000).toFixed(1)} s; the rebalances copied ${r.rebalancedKeys} keys` }
  })
}
