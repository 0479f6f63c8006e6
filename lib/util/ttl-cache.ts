/**
 * A per-process cache of async values keyed by an object (a database handle), with a
 * time-to-live. Hot paths (next clip, vote) read settings and the taxonomy on every request;
 * caching them for a moment saves two round trips each, and writers in this process
 * invalidate at once (other processes see a change within `ttlMs`). Weak keys: a transaction
 * object used as a key is forgotten with the transaction.
 */
export class TtlCache<K extends object, V> {
  private entries = new WeakMap<K, { value: Promise<V>; at: number }>();

  constructor(private readonly ttlMs: number) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    const now = Date.now();
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = load();
    this.entries.set(key, { value, at: now });
    value.catch(() => this.entries.delete(key));
    return value;
  }

  clear(): void {
    this.entries = new WeakMap();
  }
}
