import { describe, expect, it } from 'vitest';
import type { AnnIndex, AnnResult, AnnSearchOptions } from '@/lib/recommend/ann-index';
import { InProcessHnswIndex } from '@/lib/recommend/hnsw-index';
import { IndexRegistry } from '@/lib/recommend/index-registry';
import { batchesOf, createRng, gaussianMatrix, randomVector } from './fixtures';

const dim = 16;
const rng = createRng(4242);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real HNSW index whose ids name their version, so a mixed answer would show. */
async function buildVersion(versionId: number, n = 400): Promise<AnnIndex> {
  const ids = Array.from({ length: n }, (_, i) => `v${versionId}-${i}`);
  return InProcessHnswIndex.build(versionId, dim, batchesOf(gaussianMatrix(n, dim, rng), dim, ids, 100));
}

/** Wraps an index so every search spans several event-loop turns, like a database round-trip. */
function slow(index: AnnIndex): AnnIndex {
  return {
    backend: index.backend,
    dim: index.dim,
    size: index.size,
    versionId: index.versionId,
    getVector: (id) => index.getVector(id),
    async search(query: Float32Array, k: number, options?: AnnSearchOptions): Promise<AnnResult> {
      await sleep(Math.random() * 4);
      const res = await index.search(query, k, options);
      await sleep(Math.random() * 4);
      return res;
    },
  };
}

describe('IndexRegistry', () => {
  it('never mixes versions in one answer while versions switch under concurrent reads', async () => {
    const registry = new IndexRegistry({ keep: 2 });
    await registry.switchTo(1, async () => slow(await buildVersion(1)));
    let stop = false;
    const seen = new Set<number>();
    let answers = 0;
    const reader = async () => {
      while (!stop) {
        const res = await registry.search(randomVector(dim, rng), 20);
        expect(res.ids).toHaveLength(20);
        expect(res.ids.every((id) => id.startsWith(`v${res.versionId}-`))).toBe(true);
        seen.add(res.versionId);
        answers++;
      }
    };
    const readers = Array.from({ length: 8 }, reader);
    for (const v of [2, 3, 4, 5]) {
      await sleep(15);
      await registry.switchTo(v, async () => {
        const built = slow(await buildVersion(v));
        await sleep(10); // reads keep landing on the old version meanwhile
        return built;
      });
      expect(registry.activeVersion).toBe(v);
    }
    await sleep(15);
    stop = true;
    await Promise.all(readers);
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(answers).toBeGreaterThan(50);
  });

  it('lets a request pinned before a switch finish on its version', async () => {
    const registry = new IndexRegistry();
    await registry.switchTo(1, () => buildVersion(1));
    const pinned = registry.pin();
    await registry.switchTo(2, () => buildVersion(2));
    const res = await pinned.search(randomVector(dim, rng), 5);
    expect(res.ids.every((id) => id.startsWith('v1-'))).toBe(true);
    expect((await registry.search(randomVector(dim, rng), 5)).versionId).toBe(2);
  });

  it('keeps the previous version serving when a build fails', async () => {
    const registry = new IndexRegistry();
    await registry.switchTo(1, () => buildVersion(1));
    await expect(registry.switchTo(2, () => Promise.reject(new Error('bad embeddings')))).rejects.toThrow('bad embeddings');
    await expect(registry.switchTo(3, () => buildVersion(4))).rejects.toThrow(/reports version 4/);
    expect(registry.activeVersion).toBe(1);
    expect((await registry.search(randomVector(dim, rng), 3)).versionId).toBe(1);
    await registry.switchTo(5, () => buildVersion(5));
    expect(registry.activeVersion).toBe(5);
  });

  it('keeps the last N versions for instant rollback and evicts older ones', async () => {
    const evicted: number[] = [];
    const registry = new IndexRegistry({ keep: 3, onEvict: (i) => void evicted.push(i.versionId) });
    for (const v of [1, 2, 3, 4]) await registry.switchTo(v, () => buildVersion(v, 50));
    expect(registry.keptVersions()).toEqual([2, 3, 4]);
    expect(evicted).toEqual([1]);

    let rebuilt = false;
    await registry.rollback();
    expect(registry.activeVersion).toBe(3);
    await registry.switchTo(2, async () => {
      rebuilt = true;
      return buildVersion(2, 50);
    });
    expect(rebuilt).toBe(false);
    expect(registry.activeVersion).toBe(2);
    expect(registry.keptVersions()).toEqual([4, 3, 2]);
    await expect(registry.rollback(1)).rejects.toThrow(/not kept/);
  });

  it('applies concurrent switches in call order', async () => {
    const registry = new IndexRegistry();
    const first = registry.switchTo(1, async () => {
      await sleep(30);
      return buildVersion(1, 50);
    });
    const second = registry.switchTo(2, () => buildVersion(2, 50));
    await Promise.all([first, second]);
    expect(registry.activeVersion).toBe(2);
  });

  it('refuses to search before any version is active', async () => {
    await expect(new IndexRegistry().search(randomVector(dim, rng), 3)).rejects.toThrow(/no embedding version/);
  });
  it('holds a canary version beside the active one: built once, not active, reused by a promotion, dropped on release', async () => {
    const evicted: number[] = [];
    const registry = new IndexRegistry({ keep: 2, onEvict: (i) => void evicted.push(i.versionId) });
    await registry.switchTo(1, () => buildVersion(1, 50));
    let builds = 0;
    const build = async () => {
      builds++;
      return buildVersion(2, 50);
    };
    const [a, b] = await Promise.all([registry.hold(2, build), registry.hold(2, build)]);
    expect(a).toBe(b);
    expect(builds).toBe(1);
    expect(registry.activeVersion).toBe(1);
    expect(registry.heldVersions()).toEqual([2]);
    await expect(registry.hold(3, async () => buildVersion(4, 10))).rejects.toThrow(/reports version 4, expected 3/);
    expect(registry.heldVersions()).toEqual([2]);
    // Promotion: switching to the held version uses it without building.
    const promoted = await registry.switchTo(2, () => Promise.reject(new Error('should not build')));
    expect(promoted).toBe(a);
    expect([registry.activeVersion, registry.heldVersions().length]).toEqual([2, 0]);
    // A held version that ends without promotion is released (and evicted).
    await registry.hold(5, async () => buildVersion(5, 10));
    await registry.release();
    expect([registry.heldVersions().length, evicted]).toEqual([0, [5]]);
  });
});
