import { describe, expect, it } from 'vitest';
import { kCenterGreedy, noveltyScores } from '@/lib/active/diversity';
import { selectBatch } from '@/lib/active/select';
import { createRng } from '@/lib/util/random';

describe('batch diversity', () => {
  // Items 0 and 1 are the same clip (identical embedding) and the two most
  // uncertain; item 2 is a near-copy of them; items 3–5 are elsewhere.
  const probs = [0.5, 0.5, 0.52, 0.6, 0.7, 0.9];
  const embeddings = [0, 0, 0, 0, 0.01, 0, 5, 5, -5, 5, 5, -5];
  const pool = { n: 6, t: 1, probs, embeddings, embeddingDim: 2 };

  it('never picks the same clip twice, even without a diversity weight', () => {
    const batch = selectBatch(pool, { strategy: 'entropy' }, 3, createRng(1));
    const picked = batch.items.map((c) => c.index);
    expect(picked).toContain(0);
    expect(picked).not.toContain(1);
    expect(picked).toEqual([0, 2, 3]);
  });

  it('with diversity, spreads the batch instead of taking the near-copy', () => {
    const batch = selectBatch(pool, { strategy: 'entropy', diversity: 0.5 }, 3, createRng(1));
    const picked = batch.items.map((c) => c.index);
    expect(picked[0]).toBe(0);
    expect(picked).not.toContain(1);
    expect(picked).not.toContain(2);
    expect(picked).toHaveLength(3);
    expect(batch.shortfall).toBe(0);
  });

  it('accounts for already-labelled clips', () => {
    // Clip 0 sits on top of a labelled clip (index 5 moved to the origin): hybrid prefers new ground.
    const e = [...embeddings];
    e[10] = 0;
    e[11] = 0;
    const batch = selectBatch({ ...pool, embeddings: e, candidates: [0, 1, 2, 3, 4], labeled: [5] }, { strategy: 'hybrid', diversity: 0.6 }, 2, createRng(1));
    expect(batch.items.map((c) => c.index)).toEqual(expect.arrayContaining([3, 4]));
    expect(batch.items[0].terms.map((t) => t.name)).toContain('diversity');
  });

  it('uses precomputed novelty (e.g. from an ANN index) when given', () => {
    const batch = selectBatch(
      { n: 3, t: 1, probs: [0.5, 0.5, 0.5], novelty: [0.1, 0.9, 0.2] },
      { strategy: 'hybrid', weights: { uncertainty: 1, diversity: 1 } },
      1,
      createRng(1),
    );
    expect(batch.items[0]).toMatchObject({ index: 1, priority: 0.95 });
    expect(batch.items[0].reason).toContain('unlike labelled clips (0.90)');
  });
});

describe('group quotas', () => {
  // The six most uncertain clips are all by artist A.
  const n = 10;
  const probs = Array.from({ length: n }, (_, i) => 0.5 + i * 0.04);
  const groups = ['A', 'A', 'A', 'A', 'A', 'A', 'B', 'C', null, 'B'];

  it('caps any artist at the given fraction of the batch', () => {
    const batch = selectBatch({ n, t: 1, probs, groups }, { strategy: 'least-confidence', maxGroupFraction: 0.5 }, 4, createRng(1));
    const picked = batch.items.map((c) => c.index);
    expect(picked).toEqual([0, 1, 6, 7]);
    expect(picked.filter((i) => groups[i] === 'A')).toHaveLength(2);
  });

  it('holds with diversity on, and comes back short rather than break the quota', () => {
    const embeddings = Array.from({ length: n }, (_, i) => [i, 0]).flat();
    const batch = selectBatch(
      { n, t: 1, probs, groups: Array(n).fill('A'), embeddings, embeddingDim: 2 },
      { strategy: 'hybrid', maxGroupFraction: 0.25 },
      4,
      createRng(1),
    );
    expect(batch.items).toHaveLength(1);
    expect(batch.shortfall).toBe(3);
  });

  it('holds for cold start too', () => {
    const embeddings = Array.from({ length: n }, (_, i) => [i * i, 0]).flat();
    const batch = selectBatch({ n, t: 1, groups, embeddings, embeddingDim: 2 }, { strategy: 'cold-start', maxGroupFraction: 0.34 }, 3, createRng(1));
    const picked = batch.items.map((c) => c.index);
    expect(picked.filter((i) => groups[i] === 'A').length).toBeLessThanOrEqual(1);
  });
});

describe('cold start and k-center greedy', () => {
  // Three tight clusters of three points around (0,0), (10,0), (0,10).
  const centers = [
    [0, 0],
    [10, 0],
    [0, 10],
  ];
  const embeddings = centers.flatMap(([a, b]) => [a, b, a + 0.1, b, a, b + 0.1]);

  it('takes one clip per cluster before any model exists', () => {
    const batch = selectBatch({ n: 9, t: 0, embeddings, embeddingDim: 2 }, { strategy: 'cold-start' }, 3, createRng(1));
    const clusters = batch.items.map((c) => Math.floor(c.index / 3));
    expect(new Set(clusters).size).toBe(3);
  });

  it('starts from the most typical clip and covers what the reference does not', () => {
    // Centroid of [0, 1, 2, 10] (1-D) is 3.25: the first pick is 2, then the far end.
    expect(kCenterGreedy([0, 1, 2, 10], 1, [0, 1, 2, 3], 2)).toEqual([2, 3]);
    // With clip 3 already labelled, the farthest unlabelled clip is 0.
    expect(kCenterGreedy([0, 1, 2, 10], 1, [0, 1, 2], 1, { reference: [3] })).toEqual([0]);
  });

  it('scores novelty relative to the labelled set', () => {
    expect(Array.from(noveltyScores([0, 1, 3], 1, [1, 2], [0]))).toEqual([1 / 3, 1]);
    expect(Array.from(noveltyScores([0, 1, 3], 1, [1, 2], []))).toEqual([1, 1]);
  });
});
