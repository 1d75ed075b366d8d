import type http from 'node:http'
import type { AddressInfo } from 'node:net'

/** Listens on `port` (0: a free one) and resolves with the address, or rejects with the listen error (EADDRINUSE, ...). */
export function listenOn (server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server.address() as AddressInfo)
    })
  })
}

/** Stops accepting and resolves once every connection has ended; at once for a server that is not listening. */
export function closeServer (server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve()
  return new Promise((resolve) => server.close(() => resolve()))
}
