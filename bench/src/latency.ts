/** Latencies of one run, in microseconds, and what they add up to. */
export interface RunStats {
  ops: number
  seconds: number
  opsPerSec: number
  p50Us: number
  p99Us: number
}

function percentile (sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0
}

/**
 * Runs `op(i)` for i in [0, ops) with `concurrency` loops in flight (a closed
 * loop, like a pool of clients) and measures each call.
 */
export async function measure (ops: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<RunStats> {
  const latencies = new Float64Array(ops)
  let next = 0
  const started = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < ops) {
      const i = next++
      const t0 = process.hrtime.bigint()
      await op(i)
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1000
    }
  }))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  latencies.sort()
  return { ops, seconds, opsPerSec: ops / seconds, p50Us: percentile(latencies, 0.5), p99Us: percentile(latencies, 0.99) }
}

export function median<T> (runs: readonly T[], by: (r: T) => number): T {
  const sorted = [...runs].sort((a, b) => by(a) - by(b))
  return sorted[Math.floor(sorted.length / 2)] as T
}
