// Free loopback ports, handed out once per process: the one helper every
// test, benchmark and the local cluster (scripts/src/cluster) take ports from.
import { createServer } from 'node:net'

/**
 * Ports handed out by this process and not yet bound by their owner. Two
 * servers or clusters started by one process would otherwise be told the
 * same free port, because a port only looks taken once the child has bound it.
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
    if (port !== 0 && claimPort(port)) return port
  }
  throw new Error(`no free port found on ${host} in 20 tries`)
}

/** Marks a port as handed out; false when this process already handed it out. */
export function claimPort (port: number): boolean {
  if (handedOut.has(port)) return false
  handedOut.add(port)
  return true
}

/** Gives ports back once what used them has stopped. */
export function releasePorts (ports: Iterable<number>): void {
  for (const port of ports) handedOut.delete(port)
}
