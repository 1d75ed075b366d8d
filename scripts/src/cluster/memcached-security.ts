// TLS and ASCII authentication for the local cluster's memcached servers
// (`npm start -- --secure-memcached`): the demo of the store's TLS and auth
// options against real servers. A throwaway CA and a server certificate for
// 127.0.0.1 are made with openssl for each run, with a random password; all of
// it lives in a temp dir that `dispose()` removes.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { ClusterError } from './errors.js'

/** The name the server certificate carries, and the one clients check (the host is an IP address). */
export const MEMCACHED_TLS_NAME = 'localhost'

export interface MemcachedSecurity {
  readonly dir: string
  readonly caFile: string
  readonly certFile: string
  readonly keyFile: string
  readonly usersFile: string
  readonly username: string
  readonly password: string
  /** The memcached flags: TLS with this certificate, and authentication from the users file. */
  readonly memcachedArgs: readonly string[]
  /** Removes the certificates, keys and the password file. */
  dispose: () => void
}

function openssl (dir: string, args: readonly string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? (err as Error).message
    throw new ClusterError('STK_ERR_CLUSTER_COMMAND_NOT_FOUND', `openssl ${args[0] ?? ''} failed (secure memcached needs the openssl command): ${detail}`)
  }
}

/** Makes a CA, a server certificate for 127.0.0.1 and localhost, and a users file with a random password. */
export function createMemcachedSecurity (): MemcachedSecurity {
  const dir = mkdtempSync(join(tmpdir(), 'stk-memcached-tls-'))
  try {
    const days = ['-days', '7']
    openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', ...days, '-subj', '/CN=stickless local CA'])
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${MEMCACHED_TLS_NAME}`])
    writeFileSync(join(dir, 'san.cnf'), `subjectAltName=DNS:${MEMCACHED_TLS_NAME},IP:127.0.0.1\n`)
    openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', ...days, '-extfile', 'san.cnf'])
    const username = 'stickless'
    // Hex: no character that needs escaping in the server string's user:password@.
    const password = randomBytes(16).toString('hex')
    const usersFile = join(dir, 'users')
    writeFileSync(usersFile, `${username}:${password}\n`, { mode: 0o644 })
    // memcached runs as `nobody` when we are root and reads these after it
    // dropped privileges: a throwaway key for one local run may be world-readable.
    chmodSync(dir, 0o755)
    for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o644)
    const certFile = join(dir, 'server.crt')
    const keyFile = join(dir, 'server.key')
    return {
      dir,
      caFile: join(dir, 'ca.crt'),
      certFile,
      keyFile,
      usersFile,
      username,
      password,
      memcachedArgs: ['-Z', '-o', `ssl_chain_cert=${certFile},ssl_key=${keyFile}`, '-Y', usersFile],
      dispose: () => { rmSync(dir, { recursive: true, force: true }) }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

/**
 * `version` over TLS after authenticating (memcached's ASCII auth is a `set`
 * whose value is "user password"): the readiness probe for a secure server.
 * Resolves with the version, or undefined when it does not answer in time.
 */
export async function secureMemcachedVersion (host: string, port: number, security: MemcachedSecurity, timeoutMs = 1_000): Promise<string | undefined> {
  return await new Promise((resolve) => {
    let reply = ''
    let authenticated = false
    const socket = tlsConnect({ host, port, ca: readFileSync(security.caFile), servername: MEMCACHED_TLS_NAME })
    const finish = (version: string | undefined): void => {
      socket.destroy()
      resolve(version)
    }
    socket.setTimeout(timeoutMs, () => finish(undefined))
    socket.once('error', () => finish(undefined))
    socket.once('secureConnect', () => {
      const credentials = `${security.username} ${security.password}`
      socket.write(`set auth 0 0 ${credentials.length}\r\n${credentials}\r\n`)
    })
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      reply += chunk
      if (!authenticated) {
        if (!reply.includes('\r\n')) return
        if (!reply.startsWith('STORED\r\n')) return finish(undefined)
        authenticated = true
        reply = reply.slice('STORED\r\n'.length)
        socket.write('version\r\n')
      }
      const match = /^VERSION (\S+)\r\n/.exec(reply)
      if (match !== null) finish(match[1])
      else if (reply.includes('\r\n')) finish(undefined)
    })
  })
}
