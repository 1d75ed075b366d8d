import { errorCodes } from './errors.js'

/** What a caller hands the balancer: one address of one backend. */
export interface UpstreamSpec {
  /** Stable identity across re-resolutions; the LB uses the resolved origin (http://10.0.0.3:3000). */
  id: string
  /** Where requests go: an http: or https: origin (a path or query is rejected). */
  url: string
  /** Display name for logs, metrics and the status page. Default: the id. */
  name?: string
  /** Share of traffic relative to the other upstreams, an integer from 1 to 100. Default 1. */
  weight?: number
}

/** A validated, frozen upstream as the balancer keeps it. */
export interface Upstream {
  readonly id: string
  /** The normalized origin, e.g. `http://127.0.0.1:3001`. */
  readonly url: string
  readonly name: string
  readonly weight: number
}

export const maxUpstreamWeight = 100

export function toUpstream (spec: UpstreamSpec): Upstream {
  const Invalid = errorCodes.STK_ERR_BALANCER_INVALID_UPSTREAM
  if (spec === null || typeof spec !== 'object') throw new Invalid(spec, 'expected an object')
  if (typeof spec.id !== 'string' || spec.id === '') throw new Invalid(spec, '"id" must be a non-empty string')
  if (typeof spec.url !== 'string') throw new Invalid(spec, '"url" must be a string')
  let url: URL
  try {
    url = new URL(spec.url)
  } catch {
    throw new Invalid(spec, '"url" is not a URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Invalid(spec, '"url" must use http: or https:')
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new Invalid(spec, '"url" must be an origin without a path, query or fragment')
  }
  const name = spec.name ?? spec.id
  if (typeof name !== 'string' || name === '') throw new Invalid(spec, '"name" must be a non-empty string')
  const weight = spec.weight ?? 1
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > maxUpstreamWeight) {
    throw new Invalid(spec, `"weight" must be an integer from 1 to ${maxUpstreamWeight}`)
  }
  return Object.freeze({ id: spec.id, url: url.origin, name, weight })
}

/** Whether traffic for `a` may keep using the connection state kept for `b`. */
export function sameTarget (a: Upstream, b: Upstream): boolean {
  return a.id === b.id && a.url === b.url
}
