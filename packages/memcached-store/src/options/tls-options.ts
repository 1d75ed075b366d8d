// TLS and memcached ASCII authentication settings: validated once at start
// with coded errors, resolved into what node:tls and the connection need.
import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import { storeError, type ErrorCode } from '../errors.js'

/** PEM text, a Buffer, or the path of a PEM file (anything without "-----BEGIN" is taken as a path). */
export type PemSource = string | Buffer

export interface TlsSettings {
  /** CA certificate(s) the server's certificate must chain to. Default: Node's bundled CAs. */
  ca?: PemSource | readonly PemSource[]
  /** Client certificate, for servers that ask for one (memcached `ssl_verify_mode=2`). Needs `key`. */
  cert?: PemSource
  /** The client certificate's private key. Needs `cert`. */
  key?: PemSource
  /** Name the server's certificate must carry. Default: the server's host (none for an IP address: set it then). */
  servername?: string
  /** false accepts any certificate: for tests only. Default true. */
  rejectUnauthorized?: boolean
}

export interface AuthSettings {
  username: string
  password: string
}

/** What a connection needs: node:tls options (or none) and credentials (or none). */
export interface ResolvedSecurity {
  readonly tls: Readonly<ConnectionOptions> | undefined
  readonly auth: Readonly<AuthSettings> | undefined
}

const TLS_FIELDS = new Set(['ca', 'cert', 'key', 'servername', 'rejectUnauthorized'])

function fail (code: ErrorCode, name: string, value: unknown, expected: string): never {
  throw storeError(code, `${name} must be ${expected}, got ${show(value)}`)
}

function show (value: unknown): string {
  if (Buffer.isBuffer(value)) return `<Buffer of ${value.length} bytes>`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

function pem (code: ErrorCode, name: string, value: unknown): Buffer | string {
  if (Buffer.isBuffer(value)) return value
  if (typeof value !== 'string' || value === '') fail(code, name, value, 'PEM text, a Buffer, or the path of a PEM file')
  if (value.includes('-----BEGIN')) return value
  try {
    const text = readFileSync(value, 'utf8')
    if (!text.includes('-----BEGIN')) fail(code, name, value, 'a file holding PEM text')
    return text
  } catch (err) {
    if ((err as { code?: string }).code === code) throw err
    return fail(code, name, value, `a readable PEM file (${(err as Error).message})`)
  }
}

/**
 * Validates TLS settings (`true` for TLS with the default CAs) into node:tls
 * options; `name` names them in errors, `code` is the error to throw.
 */
export function resolveTls (input: unknown, name: string, code: ErrorCode = 'STK_ERR_INVALID_OPTION'): ConnectionOptions | undefined {
  if (input === undefined || input === false) return undefined
  if (input === true) return {}
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail(code, name, input, 'true, false or { ca, cert, key, servername, rejectUnauthorized }')
  const given = input as Record<string, unknown>
  for (const field of Object.keys(given)) {
    if (!TLS_FIELDS.has(field)) fail(code, `${name}.${field}`, given[field], `a known TLS setting (${[...TLS_FIELDS].join(', ')})`)
  }
  const out: ConnectionOptions = {}
  if (given.ca !== undefined) out.ca = Array.isArray(given.ca) ? given.ca.map((c, i) => pem(code, `${name}.ca[${i}]`, c)) : pem(code, `${name}.ca`, given.ca)
  if ((given.cert === undefined) !== (given.key === undefined)) {
    fail(code, given.cert === undefined ? `${name}.cert` : `${name}.key`, undefined, 'given with its pair: a client certificate needs its key, and a key its certificate')
  }
  if (given.cert !== undefined) out.cert = pem(code, `${name}.cert`, given.cert)
  if (given.key !== undefined) out.key = pem(code, `${name}.key`, given.key)
  if (given.servername !== undefined) {
    if (typeof given.servername !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(given.servername)) fail(code, `${name}.servername`, given.servername, 'a DNS name')
    out.servername = given.servername
  }
  if (given.rejectUnauthorized !== undefined) {
    if (typeof given.rejectUnauthorized !== 'boolean') fail(code, `${name}.rejectUnauthorized`, given.rejectUnauthorized, 'a boolean')
    out.rejectUnauthorized = given.rejectUnauthorized
  }
  return out
}

/**
 * Validates credentials for memcached's ASCII authentication (`-Y`): both or
 * neither, printable, no whitespace (the protocol sends "username password").
 */
export function resolveAuth (username: unknown, password: unknown, name: string, code: ErrorCode = 'STK_ERR_INVALID_OPTION'): AuthSettings | undefined {
  if (username === undefined && password === undefined) return undefined
  if (typeof username !== 'string' || !/^[\x21-\x39\x3b-\x7e]{1,250}$/.test(username)) {
    fail(code, `${name}username`, username, 'printable characters without spaces or ":" (and given with a password)')
  }
  if (typeof password !== 'string' || !/^[\x21-\x7e]{1,250}$/.test(password)) {
    fail(code, `${name}password`, password === undefined ? undefined : '<hidden>', 'printable characters without spaces (and given with a username)')
  }
  return { username, password }
}

/** The `set` memcached's ASCII authentication takes: any key, the data "username password". */
export function authCommand (auth: AuthSettings): string {
  const data = `${auth.username} ${auth.password}`
  return `set _auth 0 0 ${Buffer.byteLength(data)}\r\n${data}\r\n`
}

/** True for a failure of the TLS layer (a certificate that does not verify, a wrong name, a peer without TLS). */
export function isTlsFailure (err: unknown): boolean {
  const e = err as { code?: unknown, message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : ''
  const message = typeof e?.message === 'string' ? e.message : ''
  return /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_|EPROTO$|HOSTNAME_MISMATCH)/.test(code) ||
    /certificate|SSL routines|TLS|wrong version number|self[- ]signed/i.test(message)
}
