// How the local cluster chooses its ports, on test-support's free-port
// helper (the one every test and benchmark uses too).
import { claimPort, freePort, isPortFree } from '@stickless/test-support'
import { ClusterError } from '../errors.js'

export { freePort, isPortFree, releasePorts } from '@stickless/test-support'

/**
 * How the cluster chooses ports:
 * - `prefer`: the contract's port when it is free, else a free one (npm start);
 * - `strict`: the given port or a STK_ERR_CLUSTER_PORT_IN_USE error;
 * - `ephemeral`: always a free port from the OS (tests that run side by side).
 */
export type PortMode = 'prefer' | 'strict' | 'ephemeral'

/** Resolves one wanted port according to the mode. */
export async function choosePort (wanted: number, mode: PortMode, host = '127.0.0.1'): Promise<number> {
  if (mode === 'ephemeral') return await freePort(host)
  if (await isPortFree(wanted, host) && claimPort(wanted)) return wanted
  if (mode === 'strict') {
    throw new ClusterError('STK_ERR_CLUSTER_PORT_IN_USE', `${host}:${wanted} is taken (is another cluster running?)`)
  }
  return await freePort(host)
}
