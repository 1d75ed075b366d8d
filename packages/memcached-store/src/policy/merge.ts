import { encodeJson } from '../record/codec.js'

// Two requests of one session can change it at once on different nodes. The
// write that loses the cas race merges its change into the winner's instead of
// overwriting it: a three-way merge against the version both started from.
//   - a field only one side changed takes that side's value;
//   - arrays both sides changed keep the other side's array, minus what this
//     side removed, plus what this side added (two cart items added at once
//     both survive);
//   - plain objects merge field by field, recursively;
//   - anything else both sides changed: this side, the later write, wins.

type Json = unknown

function same (a: Json, b: Json): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  return encodeJson(a) === encodeJson(b)
}

function isPlainObject (v: Json): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
}

function countBy (items: readonly Json[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const item of items) {
    const k = encodeJson(item)
    counts.set(k, (counts.get(k) ?? 0) + 1)
  }
  return counts
}

function mergeArrays (base: readonly Json[], theirs: readonly Json[], ours: readonly Json[]): Json[] {
  const baseCounts = countBy(base)
  const oursCounts = countBy(ours)
  // what this side removed from the base, as a multiset
  const removed = new Map<string, number>()
  for (const [k, n] of baseCounts) {
    const left = n - (oursCounts.get(k) ?? 0)
    if (left > 0) removed.set(k, left)
  }
  const result: Json[] = []
  for (const item of theirs) {
    const k = encodeJson(item)
    const r = removed.get(k) ?? 0
    if (r > 0) {
      removed.set(k, r - 1)
      continue
    }
    result.push(item)
  }
  // what this side added beyond the base, in its order
  const seen = new Map(baseCounts)
  for (const item of ours) {
    const k = encodeJson(item)
    const n = seen.get(k) ?? 0
    if (n > 0) {
      seen.set(k, n - 1)
      continue
    }
    result.push(item)
  }
  return result
}

function mergeValue (base: Json, theirs: Json, ours: Json): Json {
  if (same(ours, base)) return theirs
  if (same(theirs, base) || same(theirs, ours)) return ours
  if (Array.isArray(base) && Array.isArray(theirs) && Array.isArray(ours)) return mergeArrays(base, theirs, ours)
  if (isPlainObject(theirs) && isPlainObject(ours)) return mergeObjects(isPlainObject(base) ? base : {}, theirs, ours)
  return ours
}

export function mergeObjects (base: Record<string, Json>, theirs: Record<string, Json>, ours: Record<string, Json>): Record<string, Json> {
  const result: Record<string, Json> = {}
  const keys = new Set([...Object.keys(base), ...Object.keys(theirs), ...Object.keys(ours)])
  for (const key of keys) {
    const merged = mergeValue(base[key], theirs[key], ours[key])
    if (merged !== undefined) result[key] = merged
  }
  return result
}

/**
 * Merges `ours` into `theirs`. Without a known base (it fell out of the
 * store's bounded memory), `theirs` stands in for it: our changes win, and
 * arrays keep their items too.
 */
export function mergeSessions (base: Record<string, Json> | undefined, theirs: Record<string, Json>, ours: Record<string, Json>): Record<string, Json> {
  if (base !== undefined) return mergeObjects(base, theirs, ours)
  const result: Record<string, Json> = { ...theirs, ...ours }
  for (const [key, value] of Object.entries(ours)) {
    const other = theirs[key]
    if (Array.isArray(value) && Array.isArray(other)) result[key] = mergeArrays([], other, value).filter((item, i, all) => all.findIndex((x) => same(x, item)) === i)
  }
  return result
}

/** Every item of `a`, then those of `b` beyond their count in `a`: a multiset union, in order. */
function unionArrays (a: readonly Json[], b: readonly Json[]): Json[] {
  const counts = countBy(a)
  const result = [...a]
  for (const item of b) {
    const k = encodeJson(item)
    const n = counts.get(k) ?? 0
    if (n > 0) counts.set(k, n - 1)
    else result.push(item)
  }
  return result
}

function joinValue (a: Json, b: Json): Json {
  if (a === undefined) return b
  if (b === undefined) return a
  if (Array.isArray(a) && Array.isArray(b)) return unionArrays(a, b)
  if (isPlainObject(a) && isPlainObject(b)) return joinSessions(a, b)
  return a
}

/**
 * Two siblings joined without their common ancestor (write-plan.ts,
 * joinSiblings): arrays keep every item either holds, as many times as the
 * side that holds it most; objects join field by field; anything else takes
 * `a`, the newer side. Nothing either side added is lost; an item one side
 * removed may stay, which is the safe way to be wrong.
 */
export function joinSessions (a: Record<string, Json>, b: Record<string, Json>): Record<string, Json> {
  const result: Record<string, Json> = {}
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const joined = joinValue(a[key], b[key])
    if (joined !== undefined) result[key] = joined
  }
  return result
}
