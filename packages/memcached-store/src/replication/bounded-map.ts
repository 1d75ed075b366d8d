/**
 * A Map that forgets its oldest entries past `max`, so per-session memory a
 * store keeps between a request's read and its write can never grow unbounded.
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

  constructor (max: number) {
    this.half = Math.max(1, Math.ceil(max / 2))
  }

  get (key: K): V | undefined {
    const value = this.current.get(key)
    return value !== undefined || this.current.has(key) ? value : this.previous.get(key)
  }

  /** Sets the entry; it is then the newest, whether or not it was there before. */
  set (key: K, value: V): void {
    this.previous.delete(key)
    this.current.set(key, value)
    if (this.current.size >= this.half) {
      this.previous = this.current
      this.current = new Map()
    }
  }

  delete (key: K): void {
    this.current.delete(key)
    this.previous.delete(key)
  }

  clear (): void {
    this.current.clear()
    this.previous.clear()
  }

  get size (): number {
    return this.current.size + this.previous.size
  }
}
