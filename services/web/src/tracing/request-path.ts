// The dashboard's "This request" panel, as data: the path one request took
// (load balancer, each attempt on a node, the node, memcached reads and
// writes) with the time each part took, from the Server-Timing entries the
// browser saw (PerformanceServerTiming from the navigation entry, or the
// header of a fetch). Pure and dependency-free, so a page script can use it
// as it is.

/** One Server-Timing metric, shaped like the browser's PerformanceServerTiming. */
export interface ServerTimingEntry {
  readonly name: string
  /** Milliseconds; 0 when the metric had no `dur`. */
  readonly duration: number
  readonly description: string
}

export type PathHop = 'lb' | 'attempt' | 'node' | 'store-read' | 'store-write'

export interface PathStep {
  readonly hop: PathHop
  /** Words for the panel: "load balancer", "attempt 1 on web-2", "web node", "memcached reads". */
  readonly label: string
  readonly durationMs: number
  /** The entry's description: the node and failure of an attempt, "2 commands" for the store. */
  readonly detail: string
  /** An attempt that did not answer (the LB tried another node). */
  readonly failed: boolean
}

export interface RequestPath {
  /** In the order the request went through them: lb, attempts, node, store reads, store writes. */
  readonly steps: readonly PathStep[]
  /** The LB's total when the request came through it, else the node's. Undefined without either. */
  readonly totalMs: number | undefined
  readonly viaLb: boolean
  readonly attempts: number
}

export const ORDER: Readonly<Record<PathHop, number>> = { lb: 0, attempt: 1, node: 2, 'store-read': 3, 'store-write': 4 }

/** Turns the Server-Timing entries of one response into the panel's path. Unknown metrics are left out. */
export function requestPath (entries: readonly ServerTimingEntry[]): RequestPath {
  const steps: PathStep[] = []
  let attempts = 0
  for (const entry of entries) {
    const durationMs = Number.isFinite(entry.duration) && entry.duration > 0 ? entry.duration : 0
    const detail = entry.description
    switch (entry.name) {
      case 'lb':
        steps.push({ hop: 'lb', label: 'load balancer', durationMs, detail, failed: false })
        break
      case 'lb-attempt': {
        attempts++
        // "web-2" for the attempt that answered, "web-1 ECONNREFUSED" for one that failed
        const [node = '', ...failure] = detail.split(' ')
        steps.push({ hop: 'attempt', label: `attempt ${attempts}${node === '' ? '' : ` on ${node}`}`, durationMs, detail, failed: failure.length > 0 })
        break
      }
      case 'node':
        steps.push({ hop: 'node', label: 'web node', durationMs, detail, failed: false })
        break
      case 'store-read':
        steps.push({ hop: 'store-read', label: 'memcached reads', durationMs, detail, failed: false })
        break
      case 'store-write':
        steps.push({ hop: 'store-write', label: 'memcached writes', durationMs, detail, failed: false })
        break
    }
  }
  // stable: attempts keep their order among themselves
  steps.sort((a, b) => ORDER[a.hop] - ORDER[b.hop])
  const lb = steps.find((s) => s.hop === 'lb')
  const node = steps.find((s) => s.hop === 'node')
  return { steps, totalMs: lb?.durationMs ?? node?.durationMs, viaLb: lb !== undefined, attempts }
}

/**
 * Parses Server-Timing header values (RFC-less but specified by the W3C
 * Server Timing draft: `name;dur=1.2;desc="text", name2`) into entries, for
 * a fetch response whose headers the page reads itself.
 */
export function parseServerTiming (values: string | readonly string[]): ServerTimingEntry[] {
  const entries: ServerTimingEntry[] = []
  for (const value of typeof values === 'string' ? [values] : values) {
    for (const metric of splitOutsideQuotes(value, ',')) {
      const [name = '', ...params] = splitOutsideQuotes(metric, ';').map((part) => part.trim())
      if (name === '') continue
      let duration = 0
      let description = ''
      for (const param of params) {
        const eq = param.indexOf('=')
        const key = (eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase()
        const raw = eq === -1 ? '' : param.slice(eq + 1).trim()
        const text = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw
        if (key === 'dur') duration = Number.parseFloat(text) || 0
        else if (key === 'desc') description = text
      }
      entries.push({ name, duration, description })
    }
  }
  return entries
}

export function splitOutsideQuotes (text: string, separator: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (ch === '\\' && quoted && i + 1 < text.length) {
      current += ch + (text[i + 1] as string)
      i++
      continue
    }
    if (ch === '"') quoted = !quoted
    if (ch === separator && !quoted) {
      parts.push(current)
      current = ''
    } else {
      current += ch
    }
  }
  parts.push(current)
  return parts.filter((part) => part.trim() !== '')
}
