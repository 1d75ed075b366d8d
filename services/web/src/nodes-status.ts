// The dashboard's view of the web nodes, read from the LB's status.json.
// Best effort: a slow or missing LB must never slow the dashboard down, so the
// read has a short timeout and its answer is shared for a couple of seconds.

export type WebNodeState = 'up' | 'down' | 'draining' | 'unknown'

export interface WebNodeStatus {
  readonly name: string
  readonly state: WebNodeState
}

export interface NodesSnapshot {
  readonly reachable: boolean
  readonly nodes: readonly WebNodeStatus[]
  readonly error?: string
}

export interface NodesStatusSource {
  snapshot (): Promise<NodesSnapshot>
}

export interface NodesStatusOptions {
  /** e.g. http://127.0.0.1:8081/status.json; undefined turns the panel off. */
  readonly url: string | undefined
  /** Default 400 ms. */
  readonly timeoutMs?: number
  /** How long one answer is reused. Default 2000 ms. */
  readonly cacheMs?: number
  readonly fetch?: typeof globalThis.fetch
}

const UP = new Set(['up', 'healthy', 'ok', 'active', 'alive', 'available'])
const DOWN = new Set(['down', 'unhealthy', 'dead', 'failed', 'unavailable', 'error'])
const DRAINING = new Set(['draining', 'drain', 'recovering', 'probing', 'starting'])

function stateOf (entry: Record<string, unknown>): WebNodeState {
  for (const key of ['healthy', 'up', 'alive']) {
    if (typeof entry[key] === 'boolean') return entry[key] ? 'up' : 'down'
  }
  for (const key of ['state', 'status', 'health']) {
    const value = entry[key]
    if (typeof value === 'string') {
      const v = value.toLowerCase()
      if (UP.has(v)) return 'up'
      if (DOWN.has(v)) return 'down'
      if (DRAINING.has(v)) return 'draining'
    }
  }
  return 'unknown'
}

function nameOf (entry: Record<string, unknown>): string | undefined {
  for (const key of ['name', 'id', 'node', 'label', 'url', 'target', 'address']) {
    const value = entry[key]
    if (typeof value === 'string' && value.length > 0) return value.slice(0, 80)
  }
  if (typeof entry.host === 'string' && (typeof entry.port === 'number' || typeof entry.port === 'string')) {
    return `${entry.host}:${entry.port}`
  }
  return undefined
}

/**
 * Reads the list of web nodes from a status.json. The LB's format is its
 * own, so this accepts the usual shapes: a bare array, or an array under
 * backends/upstreams/nodes/servers/targets, each entry with a name and a
 * health flag or state.
 */
export function parseLbStatus (json: unknown): WebNodeStatus[] {
  let list: unknown = json
  if (!Array.isArray(list) && typeof json === 'object' && json !== null) {
    const record = json as Record<string, unknown>
    list = ['backends', 'upstreams', 'nodes', 'servers', 'targets', 'web']
      .map((key) => record[key])
      .find((value) => Array.isArray(value) || (typeof value === 'object' && value !== null))
    if (list !== undefined && !Array.isArray(list)) {
      // { "web-1": {...}, "web-2": {...} }
      list = Object.entries(list as Record<string, unknown>).map(([name, value]) =>
        typeof value === 'object' && value !== null ? { name, ...(value) } : { name, state: value })
    }
  }
  if (!Array.isArray(list)) return []
  const nodes: WebNodeStatus[] = []
  for (const entry of list.slice(0, 32)) {
    if (typeof entry !== 'object' || entry === null) continue
    const record = entry as Record<string, unknown>
    const name = nameOf(record)
    if (name !== undefined) nodes.push({ name, state: stateOf(record) })
  }
  return nodes
}

export class NodesStatus implements NodesStatusSource {
  readonly #url: string | undefined
  readonly #timeoutMs: number
  readonly #cacheMs: number
  readonly #fetch: typeof globalThis.fetch
  #cached: { at: number, value: NodesSnapshot } | undefined
  #inFlight: Promise<NodesSnapshot> | undefined

  constructor (options: NodesStatusOptions) {
    this.#url = options.url
    this.#timeoutMs = options.timeoutMs ?? 400
    this.#cacheMs = options.cacheMs ?? 2000
    this.#fetch = options.fetch ?? globalThis.fetch
  }

  async snapshot (): Promise<NodesSnapshot> {
    if (this.#url === undefined) return { reachable: false, nodes: [], error: 'LB_STATUS_URL not set' }
    const cached = this.#cached
    if (cached !== undefined && Date.now() - cached.at < this.#cacheMs) return cached.value
    // Concurrent dashboards share one request to the LB.
    this.#inFlight ??= this.#read(this.#url).finally(() => { this.#inFlight = undefined })
    return await this.#inFlight
  }

  async #read (url: string): Promise<NodesSnapshot> {
    let value: NodesSnapshot
    try {
      const res = await this.#fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), headers: { accept: 'application/json' } })
      if (!res.ok) {
        value = { reachable: false, nodes: [], error: `HTTP ${res.status}` }
      } else {
        value = { reachable: true, nodes: parseLbStatus(await res.json()) }
      }
    } catch (err) {
      const name = (err as { name?: unknown }).name
      value = { reachable: false, nodes: [], error: name === 'TimeoutError' ? 'timed out' : 'not reachable' }
    }
    this.#cached = { at: Date.now(), value }
    return value
  }
}
