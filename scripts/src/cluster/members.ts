// Who is in the local cluster: each process's name, role and port, and the
// loopback addresses they use. The Cluster class keeps the list; the process
// specs, the readiness waits and the pool-change steps read it.

export type ProcessRole = 'memcached' | 'web' | 'lb'

/** The loopback address every process binds: the contract allows no other target. */
export const CLUSTER_HOST = '127.0.0.1'

/**
 * The address the LB connects to web nodes from. On one machine every client
 * is 127.0.0.1, so a node trusting that address for X-Forwarded-* would trust
 * anyone who calls it directly. Linux routes all of 127.0.0.0/8 to loopback,
 * so the LB takes 127.0.0.2 and the nodes trust only that; other systems
 * (macOS has only 127.0.0.1) fall back to sharing the address.
 */
export const LB_SOURCE_ADDRESS = process.platform === 'linux' ? '127.0.0.2' : CLUSTER_HOST

/** One process of the cluster. Its port stays the same across restarts. */
export interface Member {
  readonly name: string
  readonly role: ProcessRole
  readonly port: number
}

/** Where everything is, as start() resolves with it and `npm start` prints it. */
export interface ClusterInfo {
  /** The LB, what a browser opens. */
  url: string
  /** The LB's status page (HTML). */
  statusUrl: string
  adminUrl: string
  sessionServers: string
  memcached: Array<{ name: string, address: string, pid: number | undefined }>
  web: Array<{ name: string, url: string, pid: number | undefined }>
  lb: { name: 'lb', url: string, pid: number | undefined }
}

/** A URL on a cluster port, e.g. clusterUrl(8080, '/login'). */
export function clusterUrl (port: number, path: string): string {
  return new URL(path, `http://${CLUSTER_HOST}:${port}`).toString()
}
