// Builds the server string of the contract (docs/contract.md), SESSION_SERVERS, e.g.
// "tcp://127.0.0.1:11211?weight=1&timeout=1&retry_interval=15,tcp://127.0.0.1:11212".
// The units inside the string are seconds because the contract says so.

export interface SessionServer {
  host: string
  port: number
  /** Share of keys when there are more servers than replicas. Default 1. */
  weight?: number
  /** Seconds a connect or command may take before it counts as failed. Default 1. */
  timeoutS?: number
  /** Seconds a failed server is skipped before it is probed again. Default 15. */
  retryIntervalS?: number
  /** TLS: the CA file the server's certificate must chain to, and the name it must carry. */
  tls?: { caFile: string, servername: string }
  /** memcached ASCII authentication. */
  credentials?: { username: string, password: string }
}

export function formatSessionServer (server: SessionServer): string {
  const params = new URLSearchParams({
    weight: String(server.weight ?? 1),
    timeout: String(server.timeoutS ?? 1),
    retry_interval: String(server.retryIntervalS ?? 15)
  })
  if (server.tls !== undefined) {
    params.set('tls_ca', server.tls.caFile)
    params.set('tls_servername', server.tls.servername)
  }
  const scheme = server.tls === undefined ? 'tcp' : 'tls'
  const auth = server.credentials === undefined ? '' : `${encodeURIComponent(server.credentials.username)}:${encodeURIComponent(server.credentials.password)}@`
  return `${scheme}://${auth}${server.host}:${server.port}?${params.toString()}`
}

export function formatSessionServers (servers: readonly SessionServer[]): string {
  return servers.map(formatSessionServer).join(',')
}
