import { storeError } from '../errors.js'
import { resolveAuth, resolveTls, type TlsSettings } from './tls-options.js'

/** One memcached server as written by a user; any field left out takes the store-wide default. */
export interface ServerSpec {
  host: string
  port: number
  /** Share of keys when there are more servers than replicas. */
  weight?: number
  /** How long one command (or connect) may take before the server counts as failed. */
  timeoutMs?: number
  connectTimeoutMs?: number
  /** How long a failed server is skipped before it is probed again. */
  retryIntervalMs?: number
  /** Accepted for compatibility with PHP's save_path; connections are always kept open. */
  persistent?: boolean
  /** TLS to this server (`true`: with the default CAs); false turns off a store-wide `tls` for it. */
  tls?: boolean | TlsSettings
  /** memcached ASCII authentication (`-Y`) for this server; overrides the store-wide credentials. */
  username?: string
  password?: string
}

const KNOWN_PARAMS = new Set(['weight', 'timeout', 'retry_interval', 'persistent', 'tls', 'tls_ca', 'tls_cert', 'tls_key', 'tls_servername', 'tls_verify', 'username', 'password'])
const TLS_PARAMS: Record<string, keyof TlsSettings> = { tls_ca: 'ca', tls_cert: 'cert', tls_key: 'key', tls_servername: 'servername' }

function seconds (raw: string, name: string, entry: string): number {
  if (!/^\d+(\.\d+)?$/.test(raw)) {
    throw storeError('STK_ERR_INVALID_SERVER_STRING', `${name}=${JSON.stringify(raw)} in "${redact(entry)}" is not a number of seconds`)
  }
  return Math.round(Number(raw) * 1000)
}

/**
 * Parses the seed write-up's PHP form,
 * `tcp://host:port?weight=N&timeout=S&retry_interval=S&persistent=1,tcp://...`.
 * `timeout` and `retry_interval` are seconds (fractions allowed) and come back in ms.
 */
export function parseServerString (input: string): ServerSpec[] {
  if (typeof input !== 'string' || input.trim() === '') {
    throw storeError('STK_ERR_INVALID_SERVER_STRING', 'the server string is empty')
  }
  return input.split(',').map((raw) => parseEntry(raw.trim()))
}

function parseEntry (entry: string): ServerSpec {
  if (entry === '') throw storeError('STK_ERR_INVALID_SERVER_STRING', 'an entry between commas is empty')
  const withScheme = entry.includes('://') ? entry : `tcp://${entry}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw storeError('STK_ERR_INVALID_SERVER_STRING', `"${redact(entry)}" is not tcp://host:port`)
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'tls:') {
    throw storeError('STK_ERR_INVALID_SERVER_STRING', `"${redact(entry)}" uses ${url.protocol}//, only tcp:// and tls:// are supported`)
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.hash) {
    throw storeError('STK_ERR_INVALID_SERVER_STRING', `"${redact(entry)}" has parts other than host, port and options`)
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (host === '') throw storeError('STK_ERR_INVALID_SERVER_STRING', `"${redact(entry)}" has no host`)
  const port = url.port === '' ? 11211 : Number(url.port)
  const spec: ServerSpec = { host, port }
  // what the entry says about TLS and auth; checked together once all are read
  let tlsOn: boolean | undefined = url.protocol === 'tls:' ? true : undefined
  const tls: Record<string, unknown> = {}
  let username: string | undefined = url.username === '' ? undefined : safeDecode(url.username, entry)
  let password: string | undefined = url.password === '' ? undefined : safeDecode(url.password, entry)
  for (const [name, value] of url.searchParams) {
    if (!KNOWN_PARAMS.has(name)) {
      throw storeError('STK_ERR_INVALID_SERVER_STRING', `unknown option "${name}" in "${redact(entry)}" (known: ${[...KNOWN_PARAMS].join(', ')})`)
    }
    if (name === 'weight') {
      const weight = Number(value)
      if (!/^\d+(\.\d+)?$/.test(value) || !(weight > 0)) {
        throw storeError('STK_ERR_INVALID_SERVER_STRING', `weight=${JSON.stringify(value)} in "${redact(entry)}" must be a positive number`)
      }
      spec.weight = weight
    } else if (name === 'timeout') {
      spec.timeoutMs = seconds(value, name, entry)
      spec.connectTimeoutMs = spec.timeoutMs
    } else if (name === 'retry_interval') {
      spec.retryIntervalMs = seconds(value, name, entry)
    } else if (name === 'tls' || name === 'tls_verify') {
      if (value !== '0' && value !== '1') {
        throw storeError('STK_ERR_INVALID_SERVER_STRING', `${name}=${JSON.stringify(value)} in "${redact(entry)}" must be 0 or 1`)
      }
      if (name === 'tls') tlsOn = value === '1'
      else tls.rejectUnauthorized = value === '1'
    } else if (name in TLS_PARAMS) {
      tls[TLS_PARAMS[name] as string] = value
    } else if (name === 'username') {
      username = value
    } else if (name === 'password') {
      password = value
    } else {
      if (value !== '0' && value !== '1') {
        throw storeError('STK_ERR_INVALID_SERVER_STRING', `persistent=${JSON.stringify(value)} in "${redact(entry)}" must be 0 or 1`)
      }
      spec.persistent = value === '1'
    }
  }
  if (Object.keys(tls).length > 0) {
    if (tlsOn === false) throw storeError('STK_ERR_INVALID_SERVER_STRING', `"${redact(entry)}" has tls=0 and TLS settings`)
    tlsOn = true
  }
  if (tlsOn !== undefined) {
    const where = `the TLS settings of "${redact(entry)}"`
    spec.tls = tlsOn ? (resolveTls(tls, where, 'STK_ERR_INVALID_SERVER_STRING') as TlsSettings) : false
  }
  const auth = resolveAuth(username, password, `the credentials of "${redact(entry)}": `, 'STK_ERR_INVALID_SERVER_STRING')
  if (auth !== undefined) {
    spec.username = auth.username
    spec.password = auth.password
  }
  return spec
}

function safeDecode (part: string, entry: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw storeError('STK_ERR_INVALID_SERVER_STRING', `"${redact(entry)}" has a malformed user or password`)
  }
}

/** The entry without its password, for error messages. */
function redact (entry: string): string {
  return entry.replace(/(password=)[^&]*/g, '$1***').replace(/(:\/\/[^:/@]*:)[^@]*@/, '$1***@')
}
