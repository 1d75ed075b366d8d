/**
 * A Map that forgets its oldest entries past `max` (and, given a budget, past
 * a total weight), so what the store keeps per session (the read memory, the
 * decoded copies) can never grow unbounded. Pure: policy/ and record/ use it.
 *
 * Two generations: entries go into the current one, which becomes the
 * previous one (dropping the old previous) once it holds half of `max`. A
 * single Map that evicted its first key on every insert was a trap in V8: a
 * deleted entry stays a hole at the front of the table until it is rebuilt,
 * and `keys().next()` walks every hole, so with keys that change on every
 * write (`${id}:${version}`) each eviction scanned thousands of them:
 * 12.3 µs per set, against 1.5 µs here (a loop of the read memory's own
 * pattern, 2,000,000 sets, Node 26).
 */
export class BoundedMap<K, V> {
  private current = new Map<K, V>()
  private previous = new Map<K, V>()
  private readonly half: number
  /** The current generation's weight, with a budget. */
  private currentWeight = 0

  /**
   * `budget`: a second bound besides the count, on the sum of `weigh(value)`
   * (a cache of texts bounded in characters). Each generation holds at most
   * half of it; a value heavier than that half sits alone in its generation.
   */
  constructor (max: number, private readonly budget?: { readonly maxWeight: number, readonly weigh: (value: V) => number }) {
    this.half = Math.max(1, Math.ceil(max / 2))
  }

  get (key: K): V | undefined {
    const value = this.current.get(key)
    return value !== undefined || this.current.has(key) ? value : this.previous.get(key)
  }

  /** Sets the entry; it is then the newest, whether or not it was there before. */
  set (key: K, value: V): void {
    this.previous.delete(key)
    if (this.budget !== undefined) {
      const { maxWeight, weigh } = this.budget
      const old = this.current.get(key)
      if (old !== undefined || this.current.has(key)) {
        this.currentWeight -= weigh(old as V)
        this.current.delete(key)
      }
      const weight = weigh(value)
      if (this.current.size > 0 && this.currentWeight + weight > maxWeight / 2) this.nextGeneration()
      this.currentWeight += weight
    }
    this.current.set(key, value)
    if (this.current.size >= this.half) this.nextGeneration()
  }

  private nextGeneration (): void {
    this.previous = this.current
    this.current = new Map()
    this.currentWeight = 0
  }

  delete (key: K): void {
    if (this.budget !== undefined) {
      const old = this.current.get(key)
      if (old !== undefined || this.current.has(key)) this.currentWeight -= this.budget.weigh(old as V)
    }
    this.current.delete(key)
    this.previous.delete(key)
  }

  clear (): void {
    this.current.clear()
    this.previous.clear()
    this.currentWeight = 0
  }

  get size (): number {
    return this.current.size + this.previous.size
  }
}
