import { connect } from 'node:net'

/**
 * Asks a memcached server for its version, the cheapest command that proves
 * it accepts connections and answers. Resolves with e.g. "1.6.18", or
 * undefined when it is down, frozen or slower than `timeoutMs`.
 */
export async function memcachedVersion (host: string, port: number, timeoutMs = 1_000): Promise<string | undefined> {
  return await new Promise((resolve) => {
    let reply = ''
    const socket = connect({ host, port })
    const finish = (version: string | undefined): void => {
      socket.destroy()
      resolve(version)
    }
    socket.setTimeout(timeoutMs, () => finish(undefined))
    socket.once('error', () => finish(undefined))
    socket.once('connect', () => socket.write('version\r\n'))
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      reply += chunk
      const match = /^VERSION (\S+)\r\n/.exec(reply)
      if (match !== null) finish(match[1])
      else if (reply.includes('\r\n')) finish(undefined)
    })
  })
}
