/**
 * One sample of a Prometheus text exposition, matched by name and by every
 * given label, e.g. `stickless_session_store_events_total{event="rebalances"} 1`;
 * undefined when there is none.
 */
export function metricValue (text: string, name: string, labels: Readonly<Record<string, string>>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const close = line.lastIndexOf('}')
    const have = line.slice(name.length + 1, close).split(',')
    if (!wanted.every((label) => have.includes(label))) continue
    const value = Number(line.slice(close + 1).trim())
    return Number.isFinite(value) ? value : undefined
  }
  return undefined
}
