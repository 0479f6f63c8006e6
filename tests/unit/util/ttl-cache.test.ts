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
});
