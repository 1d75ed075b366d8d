// A goal compares two cases of one run. In every round both ran within
// seconds of each other, so the ratio is taken round by round and the median
// of those ratios is the figure: a neighbour's burst that slows one case in
// one round moves one ratio, where a ratio of two medians could take each
// side's median from a different round.
//
// Rounds alternate direction (http-bench.ts), and whichever case of a pair
// runs first can pay for it: the 1-replica cart write cost 243-277 µs in
// every reverse round of three full runs and 127-207 µs in the forward ones,
// so the write goal's rounds alternated (0.72/1.13/0.96/1.14/0.74) and an odd
// count of them leaned to one direction. With an even count, each forward
// round is paired with the reverse round after it (ABBA) and the pair counts
// as the geometric mean of its two ratios: a cost of running first, paid once
// by each case, cancels out.
import type { CaseStats } from './http-bench.js'
import { medianOf } from './median.js'

/** a's req/s over b's in each round both ran, in round order (NaN where a round had no answers). */
function rawRatios (a: CaseStats | undefined, b: CaseStats | undefined): number[] {
  if (a === undefined || b === undefined) return []
  const n = Math.min(a.roundRps.length, b.roundRps.length)
  return Array.from({ length: n }, (_, i) => (a.roundRps[i] as number) / (b.roundRps[i] as number))
}

/** a's req/s over b's in each round both ran, in round order. */
export function roundRatios (a: CaseStats | undefined, b: CaseStats | undefined): number[] {
  return rawRatios(a, b).filter((x) => Number.isFinite(x))
}

/** Rounds are paired only when every forward round has its reverse twin. */
const paired = (rounds: number): boolean => rounds >= 2 && rounds % 2 === 0

/**
 * What the median is taken over: with an even count of rounds, each
 * forward-and-reverse pair's geometric mean; with an odd count, the rounds.
 * As with single rounds, a pair whose ratio is not a number (its baseline
 * had no answers) is left out, and a case that had none counts as 0.
 */
export function pairedRatios (a: CaseStats | undefined, b: CaseStats | undefined): number[] {
  const raw = rawRatios(a, b)
  if (!paired(raw.length)) return raw.filter((x) => Number.isFinite(x))
  const pairs: number[] = []
  for (let i = 0; i < raw.length; i += 2) pairs.push(Math.sqrt((raw[i] as number) * (raw[i + 1] as number)))
  return pairs.filter((x) => Number.isFinite(x))
}

/** The median of pairedRatios; NaN when no round ran both. */
export function roundRatio (a: CaseStats | undefined, b: CaseStats | undefined): number {
  return medianOf(pairedRatios(a, b))
}

/** "rounds 0.61/0.65/0.70" (or with pairs, "rounds 0.61/0.65 0.70/0.72, pairs 0.63/0.71") for a goal's text: what the median was taken over. */
export function roundRatiosText (a: CaseStats | undefined, b: CaseStats | undefined): string {
  const raw = rawRatios(a, b)
  const r = raw.filter((x) => Number.isFinite(x))
  if (r.length === 0) return 'no round'
  const f = (x: number): string => x.toFixed(2)
  if (!paired(raw.length)) return `rounds ${r.map(f).join('/')}`
  const rounds: string[] = []
  for (let i = 0; i < raw.length; i += 2) rounds.push(`${f(raw[i] as number)}/${f(raw[i + 1] as number)}`)
  return `rounds ${rounds.join(' ')}, pairs ${pairedRatios(a, b).map(f).join('/')}`
}
