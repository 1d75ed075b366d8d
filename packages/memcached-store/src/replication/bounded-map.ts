/**
 * A Map that forgets its oldest entries past `max`, so per-session memory a
 * store keeps between a request's read and its write can never grow unbounded.
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>()
  constructor (private readonly max: number) {}

  get (key: K): V | undefined {
    return this.map.get(key)
  }

  set (key: K, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next()
      if (oldest.done !== true) this.map.delete(oldest.value)
    }
  }

  delete (key: K): void {
    this.map.delete(key)
  }

  clear (): void {
    this.map.clear()
  }

  get size (): number {
    return this.map.size
  }
}
