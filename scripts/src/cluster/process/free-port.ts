import { createServer } from 'node:net'
import { ClusterError } from '../errors.js'

/**
 * How the cluster chooses ports:
 * - `prefer`: the contract's port when it is free, else a free one (npm start);
 * - `strict`: the given port or a STK_ERR_CLUSTER_PORT_IN_USE error;
 * - `ephemeral`: always a free port from the OS (tests that run side by side).
 */
export type PortMode = 'prefer' | 'strict' | 'ephemeral'

/**
 * Ports handed out by this process and not yet bound by their owner. Two
 * clusters in one test process would otherwise be told the same free port,
 * because a port only looks taken once the child has bound it.
 */
const handedOut = new Set<number>()

/** Whether nothing listens on host:port right now (we can bind it). */
export async function isPortFree (port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** A port the OS says is free now; not one this process already handed out. */
export async function freePort (host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.unref()
      server.once('error', reject)
      server.listen({ port: 0, host, exclusive: true }, () => {
        const address = server.address()
        const found = typeof address === 'object' && address !== null ? address.port : 0
        server.close(() => resolve(found))
      })
    })
    if (port !== 0 && !handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
  throw new ClusterError('STK_ERR_CLUSTER_PORT_IN_USE', `no free port found on ${host}`)
}

/** Resolves one wanted port according to the mode. */
export async function choosePort (wanted: number, mode: PortMode, host = '127.0.0.1'): Promise<number> {
  if (mode === 'ephemeral') return await freePort(host)
  if (!handedOut.has(wanted) && await isPortFree(wanted, host)) {
    handedOut.add(wanted)
    return wanted
  }
  if (mode === 'strict') {
    throw new ClusterError('STK_ERR_CLUSTER_PORT_IN_USE', `${host}:${wanted} is taken (is another cluster running?)`)
  }
  return await freePort(host)
}

/** Gives ports back once the cluster that used them has stopped. */
export function releasePorts (ports: Iterable<number>): void {
  for (const port of ports) handedOut.delete(port)
}
