import { connect } from 'node:net'
import { connect as connectTls, type ConnectionOptions } from 'node:tls'
import { storeError } from '../errors.js'
import { authCommand, isTlsFailure, type AuthSettings } from '../options/tls-options.js'

/** How to reach a server that wants TLS or credentials. */
export interface DumpSecurity {
  tls?: Readonly<ConnectionOptions> | undefined
  auth?: Readonly<AuthSettings> | undefined
}

export interface DumpedKey {
  key: string
  /** absolute expiry, Unix seconds; -1 when the item never expires */
  exp: number
}

/**
 * Which walk lists the keys: `hash` walks memcached's hash table and lists
 * every item once; `all` walks the LRUs, and misses an item that moves
 * between them during the walk (memcached's own notes on the crawler): under
 * load that can leave a session off a refill, to be lost with its peer.
 * `hash` needs memcached 1.6.9 or later; an older one gets `all`.
 */
type Walk = 'hash' | 'all'

/**
 * Lists every key a server holds with `lru_crawler metadump hash` (or `all`).
 * memcache-client cannot parse this multi-line answer, so it gets its own
 * short-lived socket. memcached answers BUSY while another crawl runs; we
 * retry a few times.
 */
export async function metadump (host: string, port: number, timeoutMs: number, attempts = 20, security: DumpSecurity = {}): Promise<DumpedKey[]> {
  let walk: Walk = 'hash'
  for (let attempt = 1; ; attempt++) {
    const result = await dumpOnce(host, port, timeoutMs, security, walk)
    if (result === 'unsupported' && walk === 'hash') {
      walk = 'all'
      continue
    }
    if (result === 'unsupported') throw storeError('STK_ERR_SERVER_FAILED', `${host}:${port} refused lru_crawler metadump`)
    if (result !== 'busy') return result
    if (attempt >= attempts) throw storeError('STK_ERR_SERVER_FAILED', `${host}:${port} kept answering BUSY to lru_crawler metadump`)
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
  }
}

function dumpOnce (host: string, port: number, timeoutMs: number, security: DumpSecurity, walk: Walk): Promise<DumpedKey[] | 'busy' | 'unsupported'> {
  const command = `lru_crawler metadump ${walk}\r\n`
  return new Promise((resolve, reject) => {
    const keys: DumpedKey[] = []
    let pending = ''
    let done = false
    // with credentials, the first line answers them: STORED, or a refusal
    let awaitingAuth = security.auth !== undefined
    const socket = security.tls === undefined ? connect({ host, port }) : connectTls({ host, port, ...security.tls })
    // The timeout is for silence, not for the whole dump: a large dump may take longer.
    socket.setTimeout(timeoutMs)
    const finish = (err?: Error, outcome?: 'busy' | 'unsupported'): void => {
      if (done) return
      done = true
      socket.destroy()
      if (err) reject(err)
      else resolve(outcome ?? keys)
    }
    socket.on(security.tls === undefined ? 'connect' : 'secureConnect', () => {
      // memcached refuses a metadump pipelined behind another command: the credentials go first, alone
      socket.write(security.auth === undefined ? command : authCommand(security.auth))
    })
    socket.on('timeout', () => finish(storeError('STK_ERR_STORE_TIMEOUT', `${host}:${port} went silent during metadump`)))
    socket.on('error', (err: Error) => finish(storeError(security.tls !== undefined && isTlsFailure(err) ? 'STK_ERR_TLS' : 'STK_ERR_SERVER_FAILED', `${host}:${port} metadump: ${err.message}`, err)))
    socket.on('close', () => finish(storeError('STK_ERR_SERVER_FAILED', `${host}:${port} closed the connection during metadump`)))
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1')
      let nl: number
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl).replace(/\r$/, '')
        pending = pending.slice(nl + 1)
        if (awaitingAuth) {
          awaitingAuth = false
          if (line === 'STORED') {
            socket.write(command)
            continue
          }
          return finish(storeError('STK_ERR_AUTH_FAILED', `${host}:${port} answered "${line}" to the credentials`))
        }
        if (line === 'END') return finish()
        if (line.startsWith('BUSY')) return finish(undefined, 'busy')
        // a memcached older than the hash walk does not know the word
        if (walk === 'hash' && keys.length === 0 && (line.startsWith('ERROR') || line.startsWith('CLIENT_ERROR'))) return finish(undefined, 'unsupported')
        if (line.startsWith('ERROR') || line.startsWith('CLIENT_ERROR') || line.startsWith('SERVER_ERROR')) {
          return finish(storeError('STK_ERR_SERVER_FAILED', `${host}:${port} answered "${line}" to metadump`))
        }
        const entry = parseMetadumpLine(line)
        if (entry) keys.push(entry)
      }
    })
  })
}

/** One line of `lru_crawler metadump`: the key (URL-encoded there) and its expiry; undefined for anything else. */
export function parseMetadumpLine (line: string): DumpedKey | undefined {
  let key: string | undefined
  let exp = -1
  for (const field of line.split(' ')) {
    const eq = field.indexOf('=')
    if (eq === -1) continue
    const name = field.slice(0, eq)
    const value = field.slice(eq + 1)
    if (name === 'key') {
      try {
        key = decodeURIComponent(value)
      } catch {
        return undefined
      }
    } else if (name === 'exp') {
      exp = Number(value)
    }
  }
  return key === undefined ? undefined : { key, exp: Number.isFinite(exp) ? exp : -1 }
}
