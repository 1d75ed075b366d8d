/**
 * A Map that forgets its oldest entries past `max`: the memo behind
 * per-request work that repeats for the same session (HMACs, log ids,
 * metric observers), bounded so a stream of new sessions cannot grow a
 * node's memory. The same class, by name and shape, as
 * @stickless/memcached-store's BoundedMap, which the store does not export;
 * this copy goes once the store's index exports it.
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
