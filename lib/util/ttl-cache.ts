/**
 * A per-process cache of async values with a time-to-live. Hot paths (next clip, vote) read
 * settings and the taxonomy on every request; caching them for a moment saves round trips, and
 * writers in this process invalidate at once (other processes see a change within `ttlMs`).
 *
 * Only resolved values are shared. A caller that misses loads through its own handle — never by
 * awaiting another caller's in-flight load: a transaction waiting on a load that needs a free
 * pool connection, while every connection is held by such transactions, would hang for ever.
 */
export class TtlCache<K extends object, V> {
  private entries = new WeakMap<K, { value: V; at: number }>();
  private generation = 0;

  constructor(private readonly ttlMs: number) {}

  async get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const generation = this.generation;
    const value = await load();
    // A clear() during the load means the value may be stale: use it, but do not cache it.
    if (generation === this.generation) this.entries.set(key, { value, at: Date.now() });
    return value;
  }

  clear(): void {
    this.entries = new WeakMap();
    this.generation++;
  }
}
