import { isIP } from 'node:net'
import { errorCodes } from '../config/errors.js'
import type { BackendSpec } from '../config/options.js'

/** A backend after validation: where to resolve and connect. */
export interface BackendTarget {
  readonly name: string
  /** A host name to resolve, or an IP address (IPv6 without brackets). */
  readonly hostname: string
  readonly port: number
  readonly weight: number
}

/**
 * Parses LB_BACKENDS: a comma-separated list of `name=http://host:port` or
 * `http://host:port`, each optionally with `?weight=N`.
 */
export function parseBackendList (text: string): BackendSpec[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      // The name is what precedes the first '=' when that comes before the scheme.
      const equals = entry.indexOf('=')
      const scheme = entry.indexOf('://')
      if (equals > 0 && (scheme === -1 || equals < scheme)) {
        return { name: entry.slice(0, equals).trim(), url: entry.slice(equals + 1).trim() }
      }
      return { url: entry }
    })
}

export function toBackendTarget (spec: BackendSpec): BackendTarget {
  const Invalid = errorCodes.STK_ERR_LB_INVALID_BACKEND
  if (spec === null || typeof spec !== 'object' || typeof spec.url !== 'string') throw new Invalid(spec, 'expected { name?, url, weight? }')
  let url: URL
  try {
    url = new URL(spec.url)
  } catch {
    throw new Invalid(spec.url, 'not a URL; expected http://host:port')
  }
  // Only plain HTTP: the nodes sit on a private network behind the LB, and TLS ends here.
  if (url.protocol !== 'http:') throw new Invalid(spec.url, 'only http: backends are supported')
  if (url.hostname === '') throw new Invalid(spec.url, 'missing host')
  if ((url.pathname !== '/' && url.pathname !== '') || url.hash !== '' || url.username !== '') {
    throw new Invalid(spec.url, 'expected http://host:port with no path, fragment or credentials')
  }
  const queryWeight = url.searchParams.get('weight')
  for (const key of url.searchParams.keys()) {
    if (key !== 'weight') throw new Invalid(spec.url, `unknown parameter "${key}"; only weight is supported`)
  }
  const weight = spec.weight ?? (queryWeight === null ? 1 : Number(queryWeight))
  if (!Number.isInteger(weight) || weight < 1 || weight > 100) throw new Invalid(spec.url, 'weight must be an integer from 1 to 100')
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const port = url.port === '' ? 80 : Number(url.port)
  const name = spec.name ?? `${url.hostname}:${port}`
  if (typeof name !== 'string' || name === '' || !/^[\w.:\-[\]/@]+$/.test(name)) {
    throw new Invalid(spec, 'name must be letters, digits and . : - _ / @ only')
  }
  return Object.freeze({ name, hostname, port, weight })
}

/** The origin of one resolved address of a backend, which is also its upstream id. */
export function originOf (address: string, port: number): string {
  return isIP(address) === 6 ? `http://[${address}]:${port}` : `http://${address}:${port}`
}
