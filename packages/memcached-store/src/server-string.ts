import { storeError } from './errors.js'

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
}

const KNOWN_PARAMS = new Set(['weight', 'timeout', 'retry_interval', 'persistent'])

function seconds (raw: string, name: string, entry: string): number {
  if (!/^\d+(\.\d+)?$/.test(raw)) {
    throw storeError('STK_ERR_INVALID_SERVER_STRING', `${name}=${JSON.stringify(raw)} in "${entry}" is not a number of seconds`)
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
    throw storeError('STK_ERR_INVALID_SERVER_STRING', `"${entry}" is not tcp://host:port`)
  }
  if (url.protocol !== 'tcp:') {
    throw storeError('STK_ERR_INVALID_SERVER_STRING', `"${entry}" uses ${url.protocol}//, only tcp:// is supported`)
  }
  if (url.username || url.password || (url.pathname !== '' && url.pathname !== '/') || url.hash) {
    throw storeError('STK_ERR_INVALID_SERVER_STRING', `"${entry}" has parts other than host, port and options`)
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (host === '') throw storeError('STK_ERR_INVALID_SERVER_STRING', `"${entry}" has no host`)
  const port = url.port === '' ? 11211 : Number(url.port)
  const spec: ServerSpec = { host, port }
  for (const [name, value] of url.searchParams) {
    if (!KNOWN_PARAMS.has(name)) {
      throw storeError('STK_ERR_INVALID_SERVER_STRING', `unknown option "${name}" in "${entry}" (known: ${[...KNOWN_PARAMS].join(', ')})`)
    }
    if (name === 'weight') {
      const weight = Number(value)
      if (!/^\d+(\.\d+)?$/.test(value) || !(weight > 0)) {
        throw storeError('STK_ERR_INVALID_SERVER_STRING', `weight=${JSON.stringify(value)} in "${entry}" must be a positive number`)
      }
      spec.weight = weight
    } else if (name === 'timeout') {
      spec.timeoutMs = seconds(value, name, entry)
      spec.connectTimeoutMs = spec.timeoutMs
    } else if (name === 'retry_interval') {
      spec.retryIntervalMs = seconds(value, name, entry)
    } else {
      if (value !== '0' && value !== '1') {
        throw storeError('STK_ERR_INVALID_SERVER_STRING', `persistent=${JSON.stringify(value)} in "${entry}" must be 0 or 1`)
      }
      spec.persistent = value === '1'
    }
  }
  return spec
}
