/**
 * A per-process cache of async values with a time-to-live. Hot paths (next clip, vote) read
 * settings and the taxonomy on every request; caching them for a moment saves round trips, and
 * writers in this process invalidate at once (other processes see a change within `ttlMs`).
 *
 * Only resolved values are shared. A caller that misses loads through its own handle — never by
 * awaiting another caller's in-flight load: a transaction waiting on a load that needs a free
 * pool connection, while every connection is held by such transactions, would hang for ever.
 *
 * No stampede when an entry expires: the first caller after expiry reloads it (through its own
 * handle, as above), and callers arriving while that reload is in flight get the expired value at
 * once instead of each loading it too (under load every request in flight used to reload the
 * settings and the taxonomy together). That stretches the time-to-live by at most one load, and
 * never past `ttlMs * STALE_FACTOR`: an entry that old is reloaded by whoever asks. A clear()
 * drops everything at once (stale values included).
 */
const STALE_FACTOR = 10;

export class TtlCache<K extends object, V> {
  private entries = new WeakMap<K, { value: V; at: number; reloading: boolean }>();
  private generation = 0;

  constructor(private readonly ttlMs: number) {}

  async get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    const age = hit ? Date.now() - hit.at : Infinity;
    if (hit && age < this.ttlMs) return hit.value;
    if (hit && hit.reloading && age < this.ttlMs * STALE_FACTOR) return hit.value;
    if (hit) hit.reloading = true;
    const generation = this.generation;
    let value: V;
    try {
      value = await load();
    } catch (err) {
      if (hit) hit.reloading = false;
      throw err;
    }
    // A clear() during the load means the value may be stale: use it, but do not cache it.
    if (generation === this.generation) this.entries.set(key, { value, at: Date.now(), reloading: false });
    return value;
  }

  clear(): void {
    this.entries = new WeakMap();
    this.generation++;
  }
}
