import { afterEach, describe, expect, it, vi } from 'vitest';
import { TtlCache } from '@/lib/util/ttl-cache';

describe('TtlCache', () => {
  afterEach(() => vi.useRealTimers());

  it('serves a resolved value within the TTL and reloads after it', async () => {
    // A fake clock: a slow machine cannot turn "within the TTL" into "after it".
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = new TtlCache<object, number>(50);
    const key = {};
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get(key, load)).toBe(1);
    vi.advanceTimersByTime(49);
    expect(await cache.get(key, load)).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await cache.get(key, load)).toBe(2);
  });

  it('never makes a caller wait on another caller’s in-flight load (each loads through its own handle)', async () => {
    const cache = new TtlCache<object, string>(1000);
    const key = {};
    let releaseFirst!: (v: string) => void;
    const first = cache.get(key, () => new Promise<string>((r) => (releaseFirst = r)));
    // The second caller must not depend on the first load finishing (the pool-exhaustion hang).
    const second = await cache.get(key, async () => 'own');
    expect(second).toBe('own');
    releaseFirst('first');
    expect(await first).toBe('first');
  });

  it('does not cache a value loaded across a clear()', async () => {
    const cache = new TtlCache<object, string>(1000);
    const key = {};
    let release!: (v: string) => void;
    const pending = cache.get(key, () => new Promise<string>((r) => (release = r)));
    cache.clear();
    release('stale');
    expect(await pending).toBe('stale');
    expect(await cache.get(key, async () => 'fresh')).toBe('fresh');
  });

  it('while one caller reloads an expired entry, others get the expired value at once instead of loading too', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = new TtlCache<object, string>(50);
    const key = {};
    expect(await cache.get(key, async () => 'v1')).toBe('v1');
    vi.advanceTimersByTime(60);
    let release!: (v: string) => void;
    const reload = cache.get(key, () => new Promise<string>((r) => (release = r)));
    let loadedAgain = 0;
    expect(
      await cache.get(key, async () => {
        loadedAgain++;
        return 'v-other';
      }),
    ).toBe('v1');
    expect(loadedAgain).toBe(0);
    release('v2');
    expect(await reload).toBe('v2');
    expect(await cache.get(key, async () => 'unused')).toBe('v2');
  });

  it('serves an expired value only within ten TTLs, and a failed reload lets the next caller reload', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = new TtlCache<object, string>(50);
    const key = {};
    await cache.get(key, async () => 'v1');
    vi.advanceTimersByTime(60);
    const hanging = cache.get(key, () => new Promise<string>(() => {}));
    void hanging;
    vi.advanceTimersByTime(500);
    // 560 ms old, more than 10 × 50 ms: this caller loads its own, even with a reload in flight.
    expect(await cache.get(key, async () => 'own')).toBe('own');

    const other = {};
    await cache.get(other, async () => 'a');
    vi.advanceTimersByTime(60);
    await expect(cache.get(other, async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get(other, async () => 'b')).toBe('b');
  });
});
