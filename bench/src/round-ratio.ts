// A goal compares two cases of one run. In every round both ran within
// seconds of each other, so the ratio is taken round by round and the median
// of those ratios is the figure: a neighbour's burst that slows one case in
// one round moves one ratio, where a ratio of two medians could take each
// side's median from a different round.
import type { CaseStats } from './http-bench.js'
import { medianOf } from './median.js'

/** a's req/s over b's in each round both ran, in round order. */
export function roundRatios (a: CaseStats | undefined, b: CaseStats | undefined): number[] {
  if (a === undefined || b === undefined) return []
  const n = Math.min(a.roundRps.length, b.roundRps.length)
  return Array.from({ length: n }, (_, i) => (a.roundRps[i] as number) / (b.roundRps[i] as number)).filter((x) => Number.isFinite(x))
}

/** The median of roundRatios; NaN when no round ran both. */
export function roundRatio (a: CaseStats | undefined, b: CaseStats | undefined): number {
  return medianOf(roundRatios(a, b))
}

/** "rounds 0.61/0.65/0.70" for a goal's text: what the median was taken over. */
export function roundRatiosText (a: CaseStats | undefined, b: CaseStats | undefined): string {
  const r = roundRatios(a, b)
  return r.length === 0 ? 'no round' : `rounds ${r.map((x) => x.toFixed(2)).join('/')}`
}
