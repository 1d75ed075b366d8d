/**
 * The most recent `size` latency samples, in a ring. Percentiles over a
 * bounded window keep memory fixed and let the status page show how an
 * upstream behaves now, not since the process started.
 */
export class LatencyReservoir {
  private readonly samples: Float64Array
  private next = 0
  private filled = 0

  constructor (readonly size: number) {
    this.samples = new Float64Array(size)
  }

  get count (): number {
    return this.filled
  }

  record (valueMs: number): void {
    if (!Number.isFinite(valueMs) || valueMs < 0) return
    this.samples[this.next] = valueMs
    this.next = (this.next + 1) % this.size
    if (this.filled < this.size) this.filled += 1
  }

  /** Nearest-rank percentile, `p` from 0 to 100; undefined while there are no samples. */
  percentile (p: number): number | undefined {
    return this.percentiles([p])[0]
  }

  /** Several percentiles from one sort. */
  percentiles (ps: readonly number[]): Array<number | undefined> {
    if (this.filled === 0) return ps.map(() => undefined)
    const sorted = this.samples.slice(0, this.filled).sort()
    return ps.map((p) => {
      const rank = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * sorted.length)
      return sorted[Math.max(rank, 1) - 1]
    })
  }
}
