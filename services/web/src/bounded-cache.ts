/**
 * An insertion-ordered map that drops its oldest entry past `max`: the memo
 * behind per-request work that repeats for the same session (HMACs), bounded
 * so a stream of new sessions cannot grow a node's memory.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>()
  constructor (private readonly max: number) {}

  get (key: string): V | undefined {
    return this.map.get(key)
  }

  set (key: string, value: V): void {
    this.map.set(key, value)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string)
  }

  get size (): number {
    return this.map.size
  }
}
